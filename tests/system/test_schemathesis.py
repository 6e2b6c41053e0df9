"""Every schemathesis check against each service's OpenAPI document, with real gunicorn,
database and Kafka: responses match their schemas, statuses and content types are the
documented ones, invalid requests are refused, valid ones accepted, undeclared methods get
405 with ``Allow``, and nothing answers 5xx.

The one thing the document says that schemathesis cannot read is which refusals depend on
what no schema can say (stored data, rules across fields): those responses carry
``x-beyond-schema: true``, and :func:`config_for` lets schema-valid requests get exactly
those statuses on exactly those operations."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from shared.platform.auth import issue_token

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261123  # fixed, so a failure in CI reproduces; run the command by hand with other seeds
EXAMPLES = 10
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429"]
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


def _toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def config_for(spec: dict, tokens: dict[str, str] | None = None, parameters: dict[str, str] | None = None) -> str:
    """A schemathesis.toml for ``spec``: a body larger than the service takes (413) counts as
    refused; each operation's ``x-beyond-schema`` statuses count as answers to valid input;
    each operation is called with a token of a role it accepts (``x-roles``: admin where it
    may, else its first role)."""
    tokens = tokens or {}
    lines = ["[checks.negative_data_rejection]", f"expected-statuses = {_toml_list(NEGATIVE)}",
             "[checks.positive_data_acceptance]", f"expected-statuses = {_toml_list(POSITIVE)}"]
    if "admin" in tokens:
        lines = [f'headers = {{ Authorization = "Bearer {tokens["admin"]}" }}', *lines]
    if parameters:   # values that name stored things (a case), so those operations do more than 404
        lines += ["[parameters]", *(f'"{name}" = "{value}"' for name, value in parameters.items())]
    for path, item in sorted(spec["paths"].items()):
        for method, operation in sorted(item.items()):
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            entry = []
            beyond = sorted(s for s, r in operation["responses"].items()
                            if isinstance(r, dict) and r.get("x-beyond-schema"))
            if beyond:
                allowed = POSITIVE + [s for s in beyond if s not in POSITIVE]
                entry.append(f"checks.positive_data_acceptance.expected-statuses = {_toml_list(allowed)}")
            roles = operation.get("x-roles") or []
            if roles and "admin" not in roles and roles[0] in tokens:
                entry.append(f'headers = {{ Authorization = "Bearer {tokens[roles[0]]}" }}')
            if entry:
                # one filter: an operation's include filters select what matches any of them
                lines += ["", "[[operations]]", f'include-name = "{method.upper()} {path}"', *entry]
    return "\n".join(lines) + "\n"


def role_tokens(settings, survey_url: str) -> dict[str, str]:
    """A token for every role, for people of the demo regency; the kiosk's device is registered."""
    from services.demo import EMPLOYEES

    admin = issue_token(settings, sub="fuzz-admin", roles=["admin"])
    supervisor = next(nip for nip, *_ in EMPLOYEES if any(sup == nip for *_, sup in EMPLOYEES))
    employee = next(nip for nip, _, _, sup in EMPLOYEES if sup == supervisor)
    headers = {"Authorization": f"Bearer {admin}"}
    dep = requests.post(f"{survey_url}/api/v1/deployments", json={"template": "skm", "unit": "DISDUKCAPIL"},
                        headers=headers, timeout=10)
    kiosk = requests.post(f"{survey_url}/api/v1/kiosks", json={"device_id": "fuzz-kios", "name": "Loket fuzz",
                                                               "deployment": dep.json()["code"]},
                          headers=headers, timeout=10)
    assert dep.status_code == 201 and kiosk.status_code == 201, (dep.text, kiosk.text)
    return {"admin": admin, "evaluator": issue_token(settings, sub="fuzz-evaluator", roles=["evaluator"]),
            "supervisor": issue_token(settings, sub="fuzz-supervisor", roles=["supervisor"], nip=supervisor),
            "employee": issue_token(settings, sub="fuzz-employee", roles=["employee"], nip=employee),
            "kiosk": kiosk.json()["token"]}


def open_a_case(settings) -> str:
    """A coaching case about someone in the demo supervisor's team, as the notifier stores it."""
    from datetime import UTC, datetime

    from services.demo import EMPLOYEES
    from services.notifier import case_events, routing
    from tests.notifier.conftest import case_event

    supervisor = next(nip for nip, *_ in EMPLOYEES if any(sup == nip for *_, sup in EMPLOYEES))
    subject = next(nip for nip, _, _, sup in EMPLOYEES if sup == supervisor)
    event = case_event(subject, unit="DISDUKCAPIL")
    return case_events.open_case(event.payload, event, datetime.now(UTC), routing.LiveDirectory()).case_id


@pytest.mark.parametrize("service", ["survey", "aggregator", "notifier"])
def test_every_check_holds_against_the_real_service(service, fresh_settings, processes, artifacts, tmp_path):
    from services.demo import load
    settings = replace(fresh_settings, rate_limit_client=0, rate_limit_device=0)
    load(settings, echo=lambda *_: None)
    running = processes(settings)
    survey = running.web("survey", workers=1, threads=4) if service != "survey" else None
    web = running.web(service)
    tokens = role_tokens(settings, (survey or web).url)
    parameters = {"path.case_id": open_a_case(settings)} if service == "notifier" else None
    spec = requests.get(f"{web.url}/openapi.json", timeout=10).json()
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_for(spec, tokens, parameters))
    report = artifacts / f"schemathesis-{service}.xml"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
         f"{web.url}/openapi.json", "--checks", "all", "-n", str(EXAMPLES), "--seed", str(SEED),
         "--request-timeout", "15", "--report", "junit", "--report-junit-path", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    (artifacts / f"schemathesis-{service}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and "Authentication failed" not in result.stdout


def test_the_config_names_only_documented_refusals_and_the_roles_each_operation_takes():
    spec = {"paths": {"/a": {"post": {"responses": {"422": {"x-beyond-schema": True}, "409": {}}},
                             "get": {"responses": {"200": {}}, "x-roles": ["employee"]},
                             "put": {"responses": {"200": {}}, "x-roles": ["admin", "supervisor"]}}}}
    text = config_for(spec, {"admin": "A", "employee": "E"})
    assert text.startswith('headers = { Authorization = "Bearer A" }')
    assert 'include-name = "POST /a"' in text and '"422"' in text
    assert 'include-name = "GET /a"\nheaders = { Authorization = "Bearer E" }' in text
    assert 'include-name = "PUT /a"' not in text
