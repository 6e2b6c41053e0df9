import json
import uuid

import pytest

from shared.contracts import payloads
from shared.contracts.events import InvalidEvent, decode, new_event

pytestmark = pytest.mark.unit


def skm_payload(**over):
    payload = {"response_id": str(uuid.uuid4()), "unit": "DISDUK", "service": None, "officer": None,
               "template_version": 1, "period": "2026-11", "submitted_at": "2026-11-23T03:00:00+00:00",
               "answers": {"U1": 4, "U9": 2}, "profile": {}, "channel": "web", "client_hash": None,
               "has_comment": False}
    payload.update(over)
    return payload


def test_round_trip_keeps_envelope_and_payload():
    event = new_event(payloads.SKM_RESPONSE, "DISDUK", skm_payload(), producer="survey")
    back = decode(event.encode())
    assert back == event
    body = json.loads(event.encode())
    assert set(body) == {"event_id", "type", "schema_version", "occurred_at", "producer", "key", "payload"}
    assert body["schema_version"] == 1


@pytest.mark.parametrize("raw,reason", [
    (b"not json", "not JSON"), (b"[1]", "not a JSON object"), (None, "empty"),
    (b'{"type": "x"}', "bad envelope"),
])
def test_garbage_is_an_invalid_event_with_a_reason(raw, reason):
    with pytest.raises(InvalidEvent, match=reason):
        decode(raw)


def test_payload_is_checked_against_its_schema():
    event = new_event(payloads.SKM_RESPONSE, "DISDUK", skm_payload(), producer="survey")
    body = json.loads(event.encode())
    body["payload"]["answers"]["U1"] = 9
    with pytest.raises(InvalidEvent, match="answers"):
        decode(json.dumps(body).encode())
    body["type"], body["payload"] = "made.up", {}
    with pytest.raises(InvalidEvent, match="unknown event type"):
        decode(json.dumps(body).encode())


def test_producer_refuses_an_invalid_payload():
    with pytest.raises(InvalidEvent):
        new_event(payloads.SKM_RESPONSE, "DISDUK", skm_payload(unit="bad unit!"), producer="survey")
