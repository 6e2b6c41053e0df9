"""Pure checks behind every way in: storable text, nesting depth, the web form's mapping onto
the API body, the page's error messages, and event keys from a closed vocabulary."""
from __future__ import annotations

import json
import uuid

import pytest

from shared.contracts import payloads
from shared.contracts.events import EventTooLarge, InvalidEvent, decode, from_json, new_event
from shared.platform.text import MAX_DEPTH, clean_text, depth, storable, unstorable_paths

from services.aggregator.state import fold
from services.survey.submissions import web_form
from services.survey.surveys import spec
from tests.support.aggregator import skm_event


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


def test_the_form_is_read_into_the_api_body():
    form = {"id": ["8c6f1e5a-0000-4000-8000-000000000000"], "template_version": ["1"], "a.U1": ["4"], "a.U2": [" 3 "],
            "a.U3": [""], "p.sex": ["P"], "p.age_band": [""], "comment": ["Cepat"]}
    read = web_form.read(form, spec.SKM_V1)
    assert read.errors == {}
    assert read.body == {"id": form["id"][0], "template_version": 1, "answers": {"U1": 4, "U2": 3},
                         "profile": {"sex": "P"}, "comment": "Cepat"}


@pytest.mark.parametrize("form,path,message", [
    ({"a.U1": ["²"]}, None, None),                       # kept as text: the question's check refuses it
    ({"zzz": ["1"]}, "zzz", web_form.UNKNOWN_FIELD),
    ({"a.U10": ["4"]}, "a.U10", web_form.UNKNOWN_FIELD),
    ({"p.a.b": ["P"]}, "p.a.b", web_form.UNKNOWN_FIELD),
    ({"a.U1": ["3", "4"]}, "answers.U1", web_form.ONE_VALUE),
    ({"comment": ["a\x00"]}, "comment", web_form.BAD_CHARACTERS),
    ({"p.sex": ["\x01" * 10]}, "profile.sex", web_form.BAD_CHARACTERS),
    ({"a\x00": ["1"]}, "_form", web_form.UNKNOWN_FIELD),
])
def test_the_form_refuses_what_the_form_does_not_have(form, path, message):
    read = web_form.read(form, spec.SKM_V1)
    if path is None:
        assert read.errors == {} and read.body["answers"] == {"U1": "²"}
        _clean, errors = spec.SKM_V1.check_answers(read.body["answers"])
        assert "answers.U1" in errors
    else:
        assert read.errors == {path: [message]}


def test_a_custom_survey_form_has_no_profile_or_comment_and_takes_several_choices():
    template = spec.TemplateSpec("kepuasan", 1, "custom", "K", "K", questions=(
        spec.Question("Q1", spec.MULTIPLE, "Pilih", "Pick", choices=(spec.Choice("a", "A", "A"),
                                                                      spec.Choice("b", "B", "B"))),
        spec.Question("Q2", spec.NPS, "NPS", "NPS")))
    read = web_form.read({"a.Q1": ["a", "b"], "a.Q2": ["10"]}, template)
    assert read.errors == {} and read.body["answers"] == {"Q1": ["a", "b"], "Q2": 10}
    assert set(web_form.read({"comment": ["x"], "p.sex": ["P"]}, template).errors) == {"comment", "p.sex"}


def test_page_errors_follow_the_form_and_the_language():
    errors = {"comment": ["Longer than maximum length 2000."], "profile.sex": ["Must be one of: L, P."],
              "answers.U2": ["harus antara 1 dan 4 / must be between 1 and 4"], "id": ["Not a valid UUID."],
              "zzz": [web_form.UNKNOWN_FIELD]}
    shown = web_form.page_errors(errors, spec.SKM_V1, "id")
    assert [e.anchor for e in shown] == ["answers-U2", "p-sex", "comment", None]
    assert shown[0].label == "Sistem, Mekanisme, dan Prosedur" and shown[0].text == "harus antara 1 dan 4"
    assert shown[1].text == "Pilih salah satu dari daftar" and shown[2].text == "Paling banyak 2000 karakter"
    assert "Muat ulang halaman" in shown[3].text
    english = web_form.page_errors(errors, spec.SKM_V1, "en")
    assert english[0].label == "Systems, mechanisms and procedures" and english[0].text == "must be between 1 and 4"
    assert english[1].label == "Sex" and "Reload the page" in english[3].text


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


def test_the_fold_refuses_field_names_a_database_cannot_store_whatever_the_contract_says():
    event = skm_event("DISDUK", 3)
    assert fold.targets(event)[0] == ("skm", "DISDUK", "2026-11")
    forged = from_json(json.loads(event.encode()))
    object.__setattr__(forged, "payload", forged.payload | {"profile": {"sex": "a.b"}})
    with pytest.raises(InvalidEvent):
        fold.targets(forged)
