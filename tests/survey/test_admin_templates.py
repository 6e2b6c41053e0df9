"""The template builder through the real database: an admin builds a custom survey in a
draft (each question checked by the API's schema), previews it, publishes version 1, puts it at
a counter and a citizen answers it; a change becomes version 2 while version 1 stays as it was;
a stale or hostile form is refused and writes nothing."""
from __future__ import annotations

import re

import pytest

from shared.records.responses import Response as StoredResponse

from services.survey.surveys.models import SurveyTemplate, SurveyTemplateDraft
from tests.survey import test_admin_pages
from tests.survey.test_admin_pages import csrf

pytestmark = pytest.mark.integration

people = test_admin_pages.people   # the logged-in clients fixture, one per role


def _rev(page: str) -> str:
    return re.search(r'name="rev" value="(\d+)"', page).group(1)


def _post(client, path: str, page: str, **fields):
    return client.post(path, data={"csrf_token": csrf(page), "rev": _rev(page), **fields})


QUESTIONS = [
    {"code": "Q1", "type": "scale", "text_id": "Seberapa puas Anda?", "text_en": "How satisfied are you?",
     "required": "1", "scale": "5", "labels": "Sangat buruk | Very poor\nBuruk | Poor\nCukup | Fair\nBaik | Good\n"
                                           "Sangat baik | Very good"},
    {"code": "Q2", "type": "single", "text_id": "Dari mana Anda tahu layanan ini?", "text_en": "How did you hear?",
     "choices": "teman | Teman | A friend\nmedsos | Media sosial | Social media"},
    {"code": "Q3", "type": "text", "text_id": "Apa yang perlu diperbaiki?", "text_en": "What should improve?",
     "max_length": "500"},
]


def test_a_custom_survey_is_built_previewed_published_placed_and_answered(people, org, survey):
    admin, code = people["admin"], f"loket-{people['tag'].lower()}"
    listing = admin.get("/admin/templates").text
    assert "Indeks Kepuasan" in listing or "skm" in listing   # the built-ins are listed (read only)
    created = admin.post("/admin/templates", data={"csrf_token": csrf(listing), "code": code,
                                                   "title_id": "Survei loket", "title_en": "Counter survey"})
    assert created.status_code == 302 and created.location.endswith(f"/admin/templates/{code}")
    taken = admin.post("/admin/templates", data={"csrf_token": csrf(listing), "code": code, "title_id": "x",
                                                 "title_en": "x"})
    assert taken.status_code == 422 and 'data-error="code"' in taken.text
    assert admin.post("/admin/templates", data={"csrf_token": csrf(listing), "code": "skm", "title_id": "x",
                                                "title_en": "x"}).status_code == 422

    page = admin.get(f"/admin/templates/{code}").text
    no_scale = _post(admin, f"/admin/templates/{code}/questions", page, **{**QUESTIONS[0], "scale": ""})
    assert no_scale.status_code == 422 and 'data-error="scale"' in no_scale.text
    assert "Seberapa puas Anda?" in no_scale.text                      # what was typed comes back
    short = _post(admin, f"/admin/templates/{code}/questions", page, **{**QUESTIONS[0], "scale": "4"})
    assert short.status_code == 422 and 'data-error="labels"' in short.text
    bad_choice = _post(admin, f"/admin/templates/{code}/questions", page,
                       **{**QUESTIONS[1], "choices": "ok | Ya\nno$pe | Tidak"})
    assert bad_choice.status_code == 422 and "baris 2" in bad_choice.text
    assert SurveyTemplateDraft.head(code).rev == 1 and SurveyTemplateDraft.head(code).questions == []

    for question in QUESTIONS:
        page = admin.get(f"/admin/templates/{code}").text
        assert _post(admin, f"/admin/templates/{code}/questions", page, **question).status_code == 302
    page = admin.get(f"/admin/templates/{code}").text
    assert _post(admin, f"/admin/templates/{code}/questions/Q3/up", page).status_code == 302
    page = admin.get(f"/admin/templates/{code}").text
    assert re.findall(r'data-question="(\w+)"', page) == ["Q1", "Q3", "Q2"]
    stale = _post(admin, f"/admin/templates/{code}/questions/Q1/down", page.replace(f'value="{_rev(page)}"',
                                                                                    'value="1"'))
    assert stale.status_code == 409                                      # someone changed it meanwhile

    preview = admin.get(f"/admin/templates/{code}/preview?version=draft")
    assert preview.status_code == 200 and 'id="preview-note"' in preview.text
    assert "Sangat baik" in preview.text and 'data-preview="1"' in preview.text and 'name="id"' in preview.text
    assert not SurveyTemplate.objects(code=code)                        # nothing published yet
    assert admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": code,
                                                  "unit": org.unit}).status_code == 422   # a draft is not answered

    page = admin.get(f"/admin/templates/{code}").text
    published = _post(admin, f"/admin/templates/{code}/publish", page)
    assert published.status_code == 302 and "published=1" in published.location
    assert SurveyTemplateDraft.head(code) is None
    v1 = survey.get(f"/api/v1/templates/{code}").json
    assert v1["version"] == 1 and [q["code"] for q in v1["questions"]] == ["Q1", "Q3", "Q2"]
    assert v1["questions"][1]["max_length"] == 500 and v1["questions"][0]["required"] is True

    placed = admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": code, "unit": org.unit})
    assert placed.status_code == 302
    dep = re.search(r"created=([A-Z0-9]{8})", placed.location).group(1)
    form = survey.get(f"/s/{dep}").text
    assert "Seberapa puas Anda?" in form and "Media sosial" in form
    response_id = re.search(r'name="id" value="([^"]+)"', form).group(1)
    thanks = survey.post(f"/s/{dep}", data={"id": response_id, "template_version": "1", "a.Q1": "4",
                                            "a.Q2": "medsos", "a.Q3": "Antrean lebih cepat"})
    assert thanks.status_code == 200, thanks.text[:500]
    stored = StoredResponse.objects(id=response_id).first() or StoredResponse.objects(response_id=response_id).first()
    assert stored is not None and stored.template == code and stored.template_version == 1

    # A change is a new version; version 1 stays as it was.
    page = admin.get(f"/admin/templates/{code}").text
    assert 'id="start-draft"' in page
    assert admin.post(f"/admin/templates/{code}/draft", data={"csrf_token": csrf(page)}).status_code == 302
    page = admin.get(f"/admin/templates/{code}?edit=Q1").text
    assert 'value="Seberapa puas Anda?"' in page and "Sangat buruk | Very poor" in page
    edited = _post(admin, f"/admin/templates/{code}/questions/Q1", page,
                   **{**QUESTIONS[0], "text_id": "Seberapa puas Anda dengan loket ini?"})
    assert edited.status_code == 302
    page = admin.get(f"/admin/templates/{code}").text
    assert _post(admin, f"/admin/templates/{code}/publish", page).location.endswith("published=2")
    assert survey.get(f"/api/v1/templates/{code}?version=1").json["questions"][0]["text_id"] == "Seberapa puas Anda?"
    assert survey.get(f"/api/v1/templates/{code}").json["version"] == 2
    assert "Seberapa puas Anda dengan loket ini?" in survey.get(f"/s/{dep}").text   # the counter follows
    pinned = admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": code,
                                                    "template_version": "1", "unit": org.unit})
    held = re.search(r"created=([A-Z0-9]{8})", pinned.location).group(1)
    assert "Seberapa puas Anda?" in survey.get(f"/s/{held}").text              # kept on version 1
    assert admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": code,
                                                  "template_version": "9", "unit": org.unit}).status_code == 422
    assert admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": code,
                                                  "template_version": "satu", "unit": org.unit}).status_code == 422

    page = admin.get(f"/admin/templates/{code}").text
    admin.post(f"/admin/templates/{code}/draft", data={"csrf_token": csrf(page)})
    page = admin.get(f"/admin/templates/{code}").text
    assert "unchanged=2" in _post(admin, f"/admin/templates/{code}/publish", page).location
    assert SurveyTemplate.objects(code=code).count() == 2
    history = admin.get(f"/admin/templates/{code}").text
    assert 'data-version="2"' in history and 'data-version="1"' in history and "WIB" in history


def test_hostile_builder_forms_are_refused_and_write_nothing(people):
    admin, code = people["admin"], f"hostile-{people['tag'].lower()}"
    listing = admin.get("/admin/templates").text
    admin.post("/admin/templates", data={"csrf_token": csrf(listing), "code": code, "title_id": "T",
                                         "title_en": "T"})
    page = admin.get(f"/admin/templates/{code}").text
    assert 'inputmode="numeric"' in page            # the fields' extra attributes are markup, not text
    for fields in ({**QUESTIONS[2], "code": "a.b"}, {**QUESTIONS[2], "code": "$where"},
                   {**QUESTIONS[2], "text_id": "x" * 600}, {**QUESTIONS[2], "type": "slider"},
                   {**QUESTIONS[2], "max_length": "1e9"}, {**QUESTIONS[2], "extra": "1"},
                   {**QUESTIONS[1], "choices": "\n".join(f"c{i} | C" for i in range(101))}):
        refused = _post(admin, f"/admin/templates/{code}/questions", page, **fields)
        assert refused.status_code == 422, fields
    assert admin.post(f"/admin/templates/{code}/questions/Q3/up", data={"csrf_token": csrf(page), "rev": "1",
                                                                         "x": "1"}).status_code == 422
    empty = _post(admin, f"/admin/templates/{code}/publish", page)
    assert empty.status_code == 422 and 'data-error="questions"' in empty.text   # at least one question
    assert SurveyTemplateDraft.head(code).rev == 1 and not SurveyTemplate.objects(code=code)
    assert admin.get("/admin/templates/no-such/preview?version=draft").status_code == 404
    assert admin.get(f"/admin/templates/{code}/preview?version=abc").status_code == 404
    assert admin.get("/admin/templates/skm/preview").status_code == 200       # built-ins can be previewed


def test_a_draft_cannot_drop_a_version_published_since_and_forms_without_a_revision_are_refused(people, survey,
                                                                                              tokens):
    admin, code = people["admin"], f"race-{people['tag'].lower()}"
    body = {"code": code, "title_id": "Survei", "title_en": "Survey",
            "questions": [{"code": "Q1", "type": "nps", "text_id": "Rekomendasi?", "text_en": "Recommend?"}]}
    assert survey.post("/api/v1/templates", json=body, headers=tokens("admin")).status_code == 201   # version 1
    page = admin.get(f"/admin/templates/{code}").text
    admin.post(f"/admin/templates/{code}/draft", data={"csrf_token": csrf(page)})          # a draft from v1
    added = {**body, "questions": [*body["questions"], {"code": "Q2", "type": "text", "text_id": "Saran",
                                                        "text_en": "Suggestion"}]}
    assert survey.post("/api/v1/templates", json=added, headers=tokens("admin")).json["version"] == 2
    page = admin.get(f"/admin/templates/{code}").text
    late = _post(admin, f"/admin/templates/{code}/publish", page)
    assert late.status_code == 409 and "Versi 2" in late.text                  # would have dropped Q2
    assert SurveyTemplate.objects(code=code).count() == 2 and SurveyTemplateDraft.head(code) is not None
    for path in (f"/admin/templates/{code}/publish", f"/admin/templates/{code}/discard",
                 f"/admin/templates/{code}/questions/Q1/up"):
        for rev in (None, "²", "abc"):
            data = {"csrf_token": csrf(page)} | ({"rev": rev} if rev else {})
            refused = admin.post(path, data=data)
            assert refused.status_code == 422, (path, rev, refused.status_code)
    title = admin.post(f"/admin/templates/{code}/title", data={"csrf_token": csrf(page), "title_id": "X",
                                                               "title_en": "X"})
    assert title.status_code == 422 and 'data-error="rev"' in title.text
    assert SurveyTemplateDraft.head(code) is not None and SurveyTemplateDraft.head(code).title_id == "Survei"
    assert admin.get(f"/admin/templates/{code}/preview?version=²").status_code == 404
    unticked = _post(admin, f"/admin/templates/{code}/questions", page, **{**QUESTIONS[2], "required": "false"})
    assert unticked.status_code == 422 and 'data-error="required"' in unticked.text


def test_a_code_with_a_trailing_newline_is_not_a_code(survey, tokens):
    body = {"code": "nl-test", "title_id": "T", "title_en": "T",
            "questions": [{"code": "q1\n", "type": "nps", "text_id": "a", "text_en": "a"}]}
    refused = survey.post("/api/v1/templates", json=body, headers=tokens("admin"))
    assert refused.status_code == 422 and "questions.0.code" in refused.json["errors"]
    assert survey.post("/api/v1/units", json={"code": "NL\n", "name": "x"}, headers=tokens("admin")).status_code == 422
    assert survey.post("/api/v1/employees", json={"nip": "199001012015011001\n", "name": "x", "unit": "X"},
                       headers=tokens("admin")).status_code == 422
