"""The template builder's form reading and question-list edits (pure: no server)."""
from __future__ import annotations

import pytest

from services.survey.schemas import QuestionSchema
from services.survey.surveys import builder

pytestmark = pytest.mark.unit


def test_a_choice_question_is_read_line_by_line_into_the_apis_body():
    read = builder.read_question({"code": "Q2", "type": "single", "text_id": "Cara datang?", "text_en": "How?",
                                  "required": "1", "choices": "online | Daring | Online\r\n\r\nloket | Di loket\n",
                                  "scale": "5", "labels": "ignored | for a choice"})
    assert read.errors == {}
    assert read.body == {"code": "Q2", "type": "single", "text_id": "Cara datang?", "text_en": "How?",
                         "required": True, "guides": [],
                         "choices": [{"value": "online", "label_id": "Daring", "label_en": "Online"},
                                     {"value": "loket", "label_id": "Di loket", "label_en": "Di loket"}]}
    assert QuestionSchema().load(read.body)["choices"][1]["value"] == "loket"


def test_a_scale_keeps_its_points_and_labels_and_unreadable_lines_are_named():
    read = builder.read_question({"code": "Q1", "type": "scale", "text_id": "Puas?", "text_en": "Satisfied?",
                                  "scale": "3", "labels": "Buruk | Poor\nSedang\nBaik | Good | extra"})
    assert read.body["scale"] == 3 and read.body["labels"][:2] == [{"id": "Buruk", "en": "Poor"},
                                                                   {"id": "Sedang", "en": "Sedang"}]
    assert read.errors["labels"].startswith("baris 3:")
    assert builder.read_question({"type": "scale", "scale": "lima"}).body["scale"] == "lima"   # the schema says no
    bad_choice = builder.read_question({"type": "multiple", "choices": "a | A\njust-a-code"})
    assert bad_choice.errors["choices"].startswith("baris 2:")
    assert "max_length" not in builder.read_question({"type": "text"}).body
    assert builder.read_question({"type": "text", "max_length": "500"}).body["max_length"] == 500


def test_a_stored_question_comes_back_as_the_form_that_makes_it_again():
    form = {"code": "Q3", "type": "multiple", "text_id": "Apa?", "text_en": "What?", "required": "",
            "choices": "a | Satu | One\nb | Dua", "guides": "Pilih semua | Choose all", "scale": "", "labels": "",
            "max_length": ""}
    stored = QuestionSchema().load(builder.read_question(form).body)
    again = builder.form_of(stored)
    assert again["choices"] == form["choices"] and again["guides"] == form["guides"] and again["required"] == ""
    assert QuestionSchema().load(builder.read_question(again).body) == stored


def test_edits_return_a_new_list_and_refuse_a_taken_or_missing_code():
    qs = [{"code": "A"}, {"code": "B"}, {"code": "C"}]
    assert [q["code"] for q in builder.move(qs, "C", -1)] == ["A", "C", "B"]
    assert [q["code"] for q in builder.move(qs, "A", -1)] == ["A", "B", "C"]   # at the top: stays
    assert [q["code"] for q in builder.remove(qs, "B")] == ["A", "C"]
    assert [q["code"] for q in builder.replace(qs, "B", {"code": "B2"})] == ["A", "B2", "C"]
    assert [q["code"] for q in qs] == ["A", "B", "C"]
    with pytest.raises(builder.EditRefused):
        builder.add(qs, {"code": "A"})
    with pytest.raises(builder.EditRefused):
        builder.replace(qs, "A", {"code": "C"})
    with pytest.raises(builder.EditRefused):
        builder.remove(qs, "Z")
    with pytest.raises(builder.EditRefused):
        builder.add([{"code": str(i)} for i in range(100)], {"code": "X"})
