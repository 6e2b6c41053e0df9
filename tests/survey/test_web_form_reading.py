"""The citizen web form read into the API's body, and the page's error messages (pure)."""
from __future__ import annotations

import pytest

from services.survey.submissions import web_form
from services.survey.surveys import spec

pytestmark = pytest.mark.unit


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
