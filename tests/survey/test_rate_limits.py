"""Rate limits per client address and per kiosk device: 429 with Retry-After."""
from __future__ import annotations

from dataclasses import replace

import pytest

from services.survey.app import create_app
from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration


def test_too_many_responses_from_one_address(settings, clock, org):
    client = create_app(replace(settings, rate_limit_client=5, web_concurrency=1), clock).test_client()
    body = {"unit": org.unit, "answers": SKM_ANSWERS}
    codes = [client.post("/api/v1/responses", json=body, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
             for _ in range(6)]
    assert codes == [201] * 5 + [429]
    limited = client.post("/api/v1/responses", json=body, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert limited.json["code"] == "rate_limited" and 1 <= int(limited.headers["Retry-After"]) <= 60
    other = client.post("/api/v1/responses", json=body, environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert other.status_code == 201                     # another counter
    clock.advance(seconds=61)
    again = client.post("/api/v1/responses", json=body, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert again.status_code == 201                     # the window moved on


def test_too_many_responses_from_one_kiosk(settings, clock, org, tokens):
    app = create_app(replace(settings, rate_limit_device=3, web_concurrency=1), clock)
    client = app.test_client()
    dep = client.post("/api/v1/deployments", json={"template": "skm", "unit": org.unit}, headers=tokens("admin")).json
    kiosk = client.post("/api/v1/kiosks", json={"device_id": "kios-rl", "name": "K", "deployment": dep["code"]},
                        headers=tokens("admin")).json
    auth = {"Authorization": f"Bearer {kiosk['token']}"}
    codes = [client.post("/api/v1/responses", json={"answers": SKM_ANSWERS}, headers=auth).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_limit_is_shared_out_among_gunicorn_workers(settings, clock, org):
    client = create_app(replace(settings, rate_limit_client=6, web_concurrency=2), clock).test_client()
    codes = [client.post("/api/v1/responses", json={"unit": org.unit, "answers": SKM_ANSWERS}).status_code
             for _ in range(4)]
    assert codes == [201, 201, 201, 429]  # this worker's share of 6 is 3
