"""Every endpoint states who may call it; the others get 401 (no/invalid token) or 403."""
from __future__ import annotations

import re

import pytest

from shared.auth import ROLES

FRAMEWORK = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui"}  # the OpenAPI document and its viewer


def app_factories():
    from services.aggregator.app import create_app as aggregator
    from services.notifier.app import create_app as notifier
    from services.survey.app import create_app as survey
    return {"survey": survey, "aggregator": aggregator, "notifier": notifier}


def endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FRAMEWORK:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, view


def concrete(path: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "x" if m.group(1) != "filename" else "index.css", path)


@pytest.mark.parametrize("service", ["survey", "aggregator", "notifier"])
def test_every_endpoint_declares_its_callers(service, settings, clock):
    app = app_factories()[service](settings, clock)
    undeclared = [f"{m} {r.rule}" for r, m, v in endpoints(app) if not getattr(v, "_tanggap_roles", None)]
    assert undeclared == []


@pytest.mark.parametrize("service", ["survey", "aggregator", "notifier"])
def test_protected_endpoints_refuse_anonymous_and_wrong_roles(service, settings, clock, tokens):
    app = app_factories()[service](settings, clock)
    client = app.test_client()
    checked = 0
    for rule, method, view in endpoints(app):
        roles = view._tanggap_roles
        if roles == ("public",):
            continue
        path = concrete(rule.rule)
        anonymous = client.open(path, method=method, json={})
        assert anonymous.status_code == 401, f"{method} {path} without token gave {anonymous.status_code}"
        assert anonymous.json["code"] == "unauthorized"
        bad = client.open(path, method=method, json={}, headers={"Authorization": "Bearer forged.token.value"})
        assert bad.status_code == 401, f"{method} {path} with a forged token gave {bad.status_code}"
        for role in sorted(set(ROLES) - set(roles)):
            headers = tokens(role, nip="199001012015011001", unit="UNIT-X")
            denied = client.open(path, method=method, json={}, headers=headers)
            assert denied.status_code == 403, f"{method} {path} as {role} gave {denied.status_code}"
            assert denied.json["code"] == "forbidden"
        checked += 1
    if service == "survey":
        assert checked >= 1  # the survey service has admin endpoints


def test_openapi_lists_the_roles_of_protected_operations(settings, clock):
    app = app_factories()["survey"](settings, clock)
    spec = app.test_client().get("/openapi.json").json
    op = spec["paths"]["/api/v1/units"]["post"]
    assert op["x-roles"] == ["admin"] and op["security"] == [{"bearerAuth": []}]
