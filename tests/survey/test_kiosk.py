"""Kiosk devices: bound to a unit and a survey; tokens can be revoked; replays never duplicate."""
from __future__ import annotations

import uuid

import pytest

from shared.messaging.topics import Topics
from shared.records.responses import Response

from services.survey.outbox.relay import Relay
from tests.support.kafka_read import read_topic
from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration


def register(survey, tokens, deployment, device_id=None):
    r = survey.post("/api/v1/kiosks", json={"device_id": device_id or f"kios-{uuid.uuid4().hex[:6]}",
                                            "name": "Loket 1", "deployment": deployment["code"]},
                    headers=tokens("admin"))
    assert r.status_code == 201, r.json
    return r.json


def test_kiosk_gets_its_survey_and_submits_as_kiosk(survey, tokens, deployment, org):
    kiosk = register(survey, tokens, deployment)
    assert "#token=" in kiosk["setup_url"]
    auth = {"Authorization": f"Bearer {kiosk['token']}"}
    config = survey.get("/api/v1/kiosk/config", headers=auth).json
    assert config["deployment"] == deployment["code"] and config["template"]["code"] == "skm"
    r = survey.post("/api/v1/responses", json={"id": str(uuid.uuid4()), "answers": SKM_ANSWERS}, headers=auth)
    assert r.status_code == 201
    doc = Response.objects.get(id=r.json["id"])
    assert (doc.channel, doc.device, doc.unit) == ("kiosk", kiosk["device_id"], org.unit)


def test_disabled_or_reissued_tokens_are_refused(survey, tokens, deployment):
    kiosk = register(survey, tokens, deployment)
    old = {"Authorization": f"Bearer {kiosk['token']}"}
    fresh = register(survey, tokens, deployment, kiosk["device_id"])
    assert survey.get("/api/v1/kiosk/config", headers=old).status_code == 403
    assert survey.get("/api/v1/kiosk/config", headers={"Authorization": f"Bearer {fresh['token']}"}).status_code == 200
    survey.post(f"/api/v1/kiosks/{kiosk['device_id']}/disable", headers=tokens("admin"))
    r = survey.post("/api/v1/responses", json={"answers": SKM_ANSWERS},
                    headers={"Authorization": f"Bearer {fresh['token']}"})
    assert r.status_code == 403 and r.json["code"] == "kiosk_revoked"


def test_non_kiosk_tokens_cannot_submit_citizen_responses(survey, tokens, deployment):
    r = survey.post("/api/v1/responses", json={"deployment": deployment["code"], "answers": SKM_ANSWERS},
                    headers=tokens("evaluator"))
    assert r.status_code == 403


def test_replaying_fifty_queued_responses_twice_stores_and_publishes_fifty(survey, tokens, deployment, fresh_settings):
    """A kiosk that lost its network sends its whole queue again when it comes back."""
    from dataclasses import replace

    from shared.platform.clock import SystemClock
    from shared.records.directory import Unit

    from services.survey.app import create_app
    settings = replace(fresh_settings, rate_limit_device=1000)  # 100 requests in a few seconds
    at = SystemClock().now()
    Unit.save_revision("KIOSK-UNIT", {"name": "Kios"}, at=at, by="t")
    client = create_app(settings, SystemClock()).test_client()
    from shared.platform.auth import issue_token
    admin = {"Authorization": "Bearer " + issue_token(settings, sub="a", roles=["admin"])}
    dep = client.post("/api/v1/deployments", json={"template": "skm", "unit": "KIOSK-UNIT"}, headers=admin).json
    kiosk = client.post("/api/v1/kiosks", json={"device_id": "kios-replay", "name": "K", "deployment": dep["code"]},
                        headers=admin).json
    auth = {"Authorization": f"Bearer {kiosk['token']}"}
    queue = [{"id": str(uuid.uuid4()), "answers": {**SKM_ANSWERS, "U1": 1 + i % 4}} for i in range(50)]
    first = [client.post("/api/v1/responses", json=item, headers=auth) for item in queue]
    second = [client.post("/api/v1/responses", json=item, headers=auth) for item in queue]
    assert {r.status_code for r in first + second} == {201}
    assert [r.json for r in first] == [r.json for r in second]
    assert Response.objects.count() == 50

    relay = Relay(settings)
    while relay.run_once():
        pass
    events = read_topic(settings, Topics.from_settings(settings).responses)
    ids = sorted(__import__("json").loads(e.value)["payload"]["response_id"] for e in events)
    assert ids == sorted(item["id"] for item in queue)
