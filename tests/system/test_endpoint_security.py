"""Every endpoint states who may call it; the others get 401 (no/invalid token) or 403."""
from __future__ import annotations

import re

import pytest

from shared.platform.auth import ROLES

pytestmark = pytest.mark.integration

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


def is_page(rule) -> bool:
    """HTML pages (shared.webauth.login_required) answer with redirects and pages, not JSON."""
    return not rule.rule.startswith("/api/")


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
        if roles == ("public",) or is_page(rule):
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


@pytest.fixture
def web_logins(settings, clock):
    """role -> user name of a web login holding only that role."""
    import uuid

    from shared.records.users import WebUser, hash_password

    names = {}
    for role in ROLES:
        name = f"{role}-{uuid.uuid4().hex[:8]}"
        WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": [role],
                                     "nip": "199001012015011001", "unit": "UNIT-X"}, at=clock.now(), by="test")
        names[role] = name
    return names


def _csrf(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("service", ["survey", "aggregator", "notifier"])
def test_pages_send_anonymous_visitors_to_login_and_refuse_wrong_roles(service, settings, clock, web_logins):
    app = app_factories()[service](settings, clock)
    pages = [(r, m, v) for r, m, v in endpoints(app) if is_page(r) and v._tanggap_roles != ("public",)]
    if not pages:
        assert service != "notifier"
        return
    for rule, method, _view in pages:
        path = concrete(rule.rule)
        client = app.test_client()
        token = _csrf(client)
        anonymous = client.open(path, method=method, data={"csrf_token": token})
        assert anonymous.status_code == 302, f"{method} {path} anonymous gave {anonymous.status_code}"
        assert "/login" in anonymous.headers["Location"]
    allowed = {role for _, _, v in pages for role in v._tanggap_roles} - {"logged-in"}
    for role in sorted(set(ROLES) - allowed):
        client = app.test_client()
        client.post("/login", data={"username": web_logins[role], "password": "rahasia-sekali",
                                    "csrf_token": _csrf(client)})
        token = _csrf(client)
        for rule, method, view in pages:
            if role in view._tanggap_roles or view._tanggap_roles == ("logged-in",):
                continue   # a page for whoever is logged in (one's own password)
            path = concrete(rule.rule)
            denied = client.open(path, method=method, data={"csrf_token": token})
            assert denied.status_code == 403, f"{method} {path} as {role} gave {denied.status_code}"
    if service == "notifier":
        assert len(pages) >= 5  # the inbox list, a case, and its three forms
