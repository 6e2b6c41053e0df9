"""Tokens carry their audience through the real services, and a revoked token id is refused
by every service within seconds."""
from __future__ import annotations

import time

import jwt
import pytest
from click.testing import CliRunner

from shared.platform.auth import issue_token

from services.cli import main as cli
from tests.support.env import settings_env

pytestmark = pytest.mark.integration


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def refused_within(client, path, headers, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = client.get(path, headers=headers)
        if answer.status_code == 401:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{path} still answers {answer.status_code}")


def test_each_service_takes_only_tokens_meant_for_it(survey, aggregator, notifier, settings):
    aggregator_only = bearer(issue_token(settings, sub="e", roles=["evaluator", "admin"], services=["aggregator"]))
    assert aggregator.get("/api/v1/indicators/units", headers=aggregator_only).status_code == 200
    wrong = notifier.get("/api/v1/deliveries/stats", headers=aggregator_only)
    assert wrong.status_code == 401 and "notifier" in wrong.json["errors"]["Authorization"][0]
    assert survey.get("/api/v1/admin/outbox", headers=aggregator_only).status_code == 401


def test_a_revoked_token_is_refused_everywhere(survey, aggregator, notifier, settings, tokens):
    token = issue_token(settings, sub="lost-laptop", roles=["admin"])
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert notifier.get("/api/v1/deliveries/stats", headers=bearer(token)).status_code == 200
    done = survey.post("/api/v1/admin/tokens/revocations", json={"id": jti, "reason": "laptop lost"},
                       headers=tokens("admin"))
    assert done.status_code == 201 and done.json["by"] == "admin" and done.json["reason"] == "laptop lost"
    assert survey.post("/api/v1/admin/tokens/revocations", json={"id": jti}, headers=tokens("admin")).status_code == 200
    refused = refused_within(notifier, "/api/v1/deliveries/stats", bearer(token))
    assert refused.json["errors"]["Authorization"] == ["token revoked"]
    refused_within(aggregator, "/api/v1/indicators/units", bearer(token))
    assert survey.get("/api/v1/admin/outbox", headers=bearer(token)).status_code == 401
    assert jti in [r["id"] for r in survey.get("/api/v1/admin/tokens/revocations", headers=tokens("admin")).json]
    bad = survey.post("/api/v1/admin/tokens/revocations", json={"id": "a.b"}, headers=tokens("admin"))
    assert bad.status_code == 422 and "id" in bad.json["errors"]
    assert survey.post("/api/v1/admin/tokens/revocations", json={"id": jti},
                       headers=tokens("evaluator")).status_code == 403


def test_the_cli_revokes_a_token_given_whole(aggregator, settings):
    token = issue_token(settings, sub="kiosk-7", roles=["evaluator"])
    result = CliRunner().invoke(cli, ["token", "revoke", token, "--reason", "leaked"], env=settings_env(settings))
    assert result.exit_code == 0 and result.output.startswith("revoked "), result.output
    refused_within(aggregator, "/api/v1/indicators/units", bearer(token))
