"""The fast event checks never accept what the schema would refuse (property-based), and the
common valid events take the fast path."""
from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contracts import fastpath, payloads
from shared.contracts.events import new_event

pytestmark = pytest.mark.unit

VALID_SKM = {"response_id": str(uuid.uuid4()), "unit": "DISDUK", "service": "KTP", "officer": "198501012010011001",
             "template_version": 1, "period": "2026-11", "submitted_at": "2026-11-23T03:00:00.123000+00:00",
             "answers": {"U1": 4, "U9": 2}, "profile": {"sex": "P"}, "channel": "web", "client_hash": "ab" * 16,
             "has_comment": False}
VALID_PEER = {"response_id": str(uuid.uuid4()), "ratee": "198501012010011001", "ratee_unit": "DISDUK",
              "rater_hash": "f" * 32, "relation": "peer", "period": "2026-11",
              "submitted_at": "2026-11-23T03:00:00+07:00", "template_version": 1, "scale_max": 5,
              "values": {"BO": 4, "KL": 5}}

# Values that are right, subtly wrong, or of the wrong type, for any field.
anything = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=False), st.text(max_size=5),
    st.sampled_from(["DISDUK", "bad code!", "198501012010011001", "19850101", "2026-11", "2026-13", "web", "kiosk",
                     "fax", "peer", "self", "boss", "2026-11-23T03:00:00+00:00", "2026-11-23T03:00:00",
                     "2026-11-23 03:00:00+00:00", str(uuid.uuid4()), uuid.uuid4().hex, "ABC\n", "U1", "BO"]),
    st.dictionaries(st.sampled_from(["U1", "U10", "BO", "XX", "sex"]), st.one_of(st.integers(0, 11), st.booleans(),
                                                                             st.text(max_size=3), st.none()),
                    max_size=3),
    st.lists(st.integers(), max_size=2),
    # profiles: right categories with right, wrong and hostile answers, unknown and dotted keys
    st.dictionaries(st.sampled_from(["sex", "age_band", "education", "a.b", "$where", "Sex"]),
                    st.one_of(st.none(), st.sampled_from(["P", "L", "<20", "S2", "a.b", "$gt", "\x01" * 3, ""])),
                    max_size=3),
)


def mutated(base: dict):
    keys = st.sampled_from(sorted(base) + ["extra"])
    return st.lists(st.tuples(keys, st.one_of(anything, st.just("__drop__"))), max_size=3).map(
        lambda changes: _apply(base, changes))


def _apply(base: dict, changes) -> dict:
    out = json.loads(json.dumps(base))
    for key, value in changes:
        if value == "__drop__":
            out.pop(key, None)
        else:
            out[key] = value
    return out


def schema_accepts(type_: str, payload: dict) -> bool:
    return not payloads.payload_schema(type_, 1).validate(payload)


@settings(max_examples=600, deadline=None)
@given(mutated(VALID_SKM))
def test_fast_skm_check_accepts_nothing_the_schema_refuses(payload):
    if fastpath.skm_v1(payload):
        assert schema_accepts(payloads.SKM_RESPONSE, payload), payload


@settings(max_examples=600, deadline=None)
@given(mutated(VALID_PEER))
def test_fast_peer_check_accepts_nothing_the_schema_refuses(payload):
    if fastpath.peer_v1(payload):
        assert schema_accepts(payloads.PEER_FEEDBACK, payload), payload


@settings(max_examples=400, deadline=None)
@given(mutated(json.loads(new_event(payloads.SKM_RESPONSE, "DISDUK", VALID_SKM, producer="survey").encode())))
def test_fast_envelope_check_accepts_nothing_the_schema_refuses(envelope):
    from marshmallow import ValidationError

    from shared.contracts.events import EnvelopeSchema
    if fastpath.envelope(envelope):
        try:
            EnvelopeSchema().load(envelope)
        except ValidationError as exc:
            raise AssertionError(f"schema refuses {envelope}: {exc.messages}") from None


def test_events_our_producers_make_take_the_fast_path():
    skm_event = json.loads(new_event(payloads.SKM_RESPONSE, "DISDUK", VALID_SKM, producer="survey").encode())
    peer_event = json.loads(new_event(payloads.PEER_FEEDBACK, VALID_PEER["ratee"], VALID_PEER,
                                      producer="survey").encode())
    assert fastpath.envelope(skm_event) and fastpath.skm_v1(skm_event["payload"])
    assert fastpath.envelope(peer_event) and fastpath.peer_v1(peer_event["payload"])
    assert schema_accepts(payloads.SKM_RESPONSE, VALID_SKM) and schema_accepts(payloads.PEER_FEEDBACK, VALID_PEER)


@settings(max_examples=400, deadline=None)
@given(mutated(json.loads(new_event(payloads.SKM_RESPONSE, "DISDUK", VALID_SKM, producer="survey").encode())),
       mutated(VALID_SKM))
def test_decoding_anything_gives_an_event_or_an_invalid_event_never_a_crash(envelope, payload):
    """The worker sends what does not decode to the dead-letter topic; any other exception
    would stop it on a poison message."""
    from shared.contracts.events import InvalidEvent, decode
    envelope = dict(envelope, payload=payload) if isinstance(envelope, dict) else envelope
    try:
        decode(json.dumps(envelope).encode())
    except InvalidEvent:
        pass
