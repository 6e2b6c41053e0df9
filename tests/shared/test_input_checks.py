"""Pure checks behind every way in: storable text, nesting depth, and event keys from a closed
vocabulary (the contracts where events are built and read)."""
from __future__ import annotations

import uuid

import pytest

from shared.contracts import payloads
from shared.contracts.events import EventTooLarge, InvalidEvent, decode, from_json, new_event
from shared.platform.text import MAX_DEPTH, clean_text, depth, storable, unstorable_paths

from tests.support.aggregator import skm_event

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text,ok", [
    ("Antre lama, petugas ramah.\nTerima kasih\t!", True), ("émoji 👍 and ٣", True), ("", True),
    ("a\x00b", False), ("\x01", False), ("esc\x1b[0m", False), ("\ud800", False), ("\ufffe", False), ("\x7f", True),
])
def test_clean_text(text, ok):
    assert clean_text(text) is ok


def test_unstorable_paths_name_keys_and_values_without_recursion():
    value = {"comment": "ok", "answers": {"U1": "a\x00", "b\x00": 1}, "list": ["fine", "\x02"]}
    assert sorted(unstorable_paths(value)) == ["answers.U1", "answers.b\x00", "list.1"]
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    assert depth(nested) == 100_001 and storable(nested)     # no RecursionError either way
    assert depth({"a": [1, {"b": 2}]}) == 3 and depth(4) == 0 and MAX_DEPTH >= 8


def test_event_keys_come_from_a_closed_vocabulary():
    assert payloads.bad_keys({"a": {"b": [1, {"c": 2}]}}) is None
    assert payloads.bad_keys({"a.b": 1}) == "a key that cannot be stored"
    assert payloads.bad_keys({"x": {"$gt": 1}}) == "a key that cannot be stored"
    deep: dict = {}
    for _ in range(20):
        deep = {"d": deep}
    assert payloads.bad_keys(deep) == "nested too deeply"


def _payload(**changes) -> dict:
    return skm_event("DISDUK", 3).payload | changes


@pytest.mark.parametrize("changes", [
    {"profile": {"sex": "a.b"}}, {"profile": {"a.b": "P"}}, {"profile": {"sex": "\x01" * 100}},
    {"profile": {"hobby": "catur"}}, {"client_hash": "x" * 1000},
])
def test_skm_events_refuse_profiles_outside_the_vocabulary(changes):
    with pytest.raises(InvalidEvent):
        new_event(payloads.SKM_RESPONSE, "DISDUK", _payload(**changes), producer="test")


@pytest.mark.parametrize("answers", [{"Q1": "a.b"}, {"a.b": 3}, {"Q1": 3.5}, {"Q1": True}, {"Q1": None},
                                     {"Q1": 11}, {"Q1": ["ok", "a.b"]}, {"Q1": {"x": 1}}, {"$where": 1}])
def test_custom_survey_events_carry_codes_and_small_integers_only(answers):
    payload = {"response_id": str(uuid.uuid4()), "template": "kepuasan", "template_version": 1, "unit": "DISDUK",
               "period": "2026-11", "submitted_at": "2026-11-10T03:00:00+00:00", "answers": answers, "channel": "web"}
    with pytest.raises(InvalidEvent):
        new_event(payloads.SURVEY_RESPONSE, "DISDUK", payload, producer="test")
    good = payload | {"answers": {"Q1": ["a", "b"], "Q2": 10, "Q3": "c"}}
    assert new_event(payloads.SURVEY_RESPONSE, "DISDUK", good, producer="test").payload == good


def test_an_event_too_large_for_the_broker_is_refused_where_it_is_built():
    payload = {"response_id": str(uuid.uuid4()), "template": "kepuasan", "template_version": 1, "unit": "DISDUK",
               "period": "2026-11", "submitted_at": "2026-11-10T03:00:00+00:00", "channel": "web",
               "answers": {f"Q{n}": [f"c{i}-" + "x" * 60 for i in range(100)] for n in range(12)}}
    with pytest.raises(EventTooLarge):
        new_event(payloads.SURVEY_RESPONSE, "DISDUK", payload, producer="test")


def test_reasons_name_the_schemas_fields_never_the_senders():
    envelope = skm_event("DISDUK", 3).to_json()
    envelope["payload"]["evil.key"] = 1
    envelope["payload"]["answers"] = {"U1'; drop": 1}
    with pytest.raises(InvalidEvent) as err:
        from_json(envelope)
    assert err.value.reason == "bad payload for skm.response.submitted: fields ['answers', 'unknown']"
    with pytest.raises(InvalidEvent) as err:
        from_json(envelope | {"surprise\n": 1})
    assert err.value.reason == "bad envelope: ['unknown']"
    with pytest.raises(InvalidEvent, match="nested too deeply"):
        decode(b"[" * 100_000 + b"]" * 100_000)
