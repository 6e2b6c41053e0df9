"""Bad input on the intake endpoint: a 4xx naming the field; nothing stored or published."""
from __future__ import annotations

import uuid

import pytest

from shared.records.responses import Response

pytestmark = pytest.mark.integration

ANSWERS = {f"U{i}": 3 for i in range(1, 10)}


@pytest.fixture
def unit(settings, clock):
    from shared.records.directory import Unit
    code = f"U-{uuid.uuid4().hex[:8]}"
    Unit.save_revision(code, {"name": "Test unit"}, at=clock.now(), by="test")
    return code


@pytest.mark.parametrize("body,status,field", [
    ('{"unit": ', 400, "_body"),
    ("[1, 2]", 422, "_schema"),
    ({"answers": ANSWERS}, 422, "unit"),
    ({"unit": "{unit}"}, 422, "answers"),
    ({"unit": "{unit}", "answers": {"U1": 5}}, 422, "answers.U1"),
    ({"unit": "{unit}", "answers": {"U1": "4"}}, 422, "answers.U1"),
    ({"unit": "{unit}", "answers": {"U10": 4}}, 422, "answers.U10"),
    ({"unit": "{unit}", "answers": {}}, 422, "answers"),
    ({"unit": "{unit}", "answers": ANSWERS, "ip": "1.2.3.4"}, 422, "ip"),
    ({"unit": "{unit}", "answers": ANSWERS, "officer": "123"}, 422, "officer"),
    ({"unit": "NO-SUCH-UNIT", "answers": ANSWERS}, 422, "unit"),
    ({"unit": "{unit}", "answers": ANSWERS, "profile": {"age_band": "17"}}, 422, "profile.age_band"),
    # the categories before the standard form's: read from stored data, never taken in again
    ({"unit": "{unit}", "answers": ANSWERS, "profile": {"education": "D4-S1"}}, 422, "profile.education"),
    ({"unit": "{unit}", "answers": ANSWERS, "profile": {"occupation": "TNI-Polri"}}, 422, "profile.occupation"),
])
def test_bad_input_is_refused_and_nothing_is_written(survey, unit, body, status, field):
    before = Response.objects.count()
    if isinstance(body, dict):
        import json
        body = json.dumps(body).replace("{unit}", unit)
    r = survey.post("/api/v1/responses", data=body, content_type="application/json")
    assert r.status_code == status, r.json
    assert field in r.json["errors"], r.json
    assert r.json["code"] in ("validation_error", "malformed_json")
    assert Response.objects.count() == before


def test_same_id_twice_stores_once_and_answers_the_same(survey, unit):
    rid = str(uuid.uuid4())
    body = {"id": rid, "unit": unit, "answers": ANSWERS}
    first = survey.post("/api/v1/responses", json=body)
    again = survey.post("/api/v1/responses", json=body)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    assert Response.objects(id=rid).count() == 1


def test_same_id_with_other_content_is_a_conflict(survey, unit):
    rid = str(uuid.uuid4())
    assert survey.post("/api/v1/responses", json={"id": rid, "unit": unit, "answers": ANSWERS}).status_code == 201
    clash = survey.post("/api/v1/responses", json={"id": rid, "unit": unit, "answers": {"U1": 1}})
    assert clash.status_code == 409 and clash.json["code"] == "idempotency_conflict"
    assert Response.objects.get(id=rid).answers["U1"] == 3


def test_accepted_response_and_its_event_are_stored_together(survey, unit, settings):
    r = survey.post("/api/v1/responses", json={"unit": unit, "answers": ANSWERS, "comment": "Antre lama"})
    doc = Response.objects.get(id=r.json["id"])
    assert doc.published is False and doc.outbox.key == unit
    payload = doc.outbox.event["payload"]
    assert payload["answers"] == ANSWERS and payload["has_comment"] is True
    assert "comment" not in payload and "Antre" not in str(doc.outbox.event)  # free text stays out of events


@pytest.mark.parametrize("body", [
    {"unit": "{unit}", "answers": ANSWERS, "comment": "a\u0000b"},
    {"unit": "{unit}", "answers": ANSWERS, "comment": "\ud8eb"},
])
def test_text_no_database_can_store_is_refused(survey, unit, body):
    import json
    raw = json.dumps(body).replace("{unit}", unit)
    before = Response.objects.count()
    r = survey.post("/api/v1/responses", data=raw, content_type="application/json")
    assert r.status_code == 422 and r.json["code"] == "invalid_characters"
    assert Response.objects.count() == before
    assert survey.get("/api/v1/units/A%00B").status_code == 422
