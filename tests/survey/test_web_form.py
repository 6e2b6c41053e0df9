"""The server-rendered survey form (phone / QR): works without JavaScript, both languages."""
from __future__ import annotations

import re

import pytest

from shared.records.responses import Response

pytestmark = pytest.mark.integration


def form_fields(html: str) -> dict:
    return dict(re.findall(r'name="(id|template_version)" value="([^"]+)"', html))


def test_form_shows_the_nine_unsur_with_official_labels(survey, deployment):
    page = survey.get(f"/s/{deployment['code']}")
    assert page.status_code == 200
    html = page.text
    for label in ("Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Sarana dan Prasarana", "Sangat sesuai", "Gratis"):
        assert label in html
    assert html.count('type="radio"') == 36 and "Kirim" in html
    assert "<script" not in html  # works without JavaScript
    english = survey.get(f"/s/{deployment['code']}?lang=en").text
    assert "Submit" in english and "Requirements" in english


def test_submitting_the_form_stores_one_response(survey, deployment):
    fields = form_fields(survey.get(f"/s/{deployment['code']}").text)
    form = {**fields, **{f"a.U{i}": "3" for i in range(1, 10)}, "p.age_band": "30-39", "comment": "Cepat"}
    done = survey.post(f"/s/{deployment['code']}", data=form)
    assert done.status_code == 200 and "Terima kasih" in done.text
    again = survey.post(f"/s/{deployment['code']}", data=form)  # double tap on "Kirim"
    assert again.status_code == 200
    stored = Response.objects(id=fields["id"])
    assert stored.count() == 1
    doc = stored.first()
    assert doc.channel == "web" and doc.profile == {"age_band": "30-39"} and doc.comment == "Cepat"


def test_a_bad_form_comes_back_with_errors_and_what_was_typed(survey, deployment):
    fields = form_fields(survey.get(f"/s/{deployment['code']}").text)
    form = {**fields, "a.U1": "9", "a.U2": "2", "comment": "Tulisan saya"}
    page = survey.post(f"/s/{deployment['code']}", data=form)
    assert page.status_code == 422
    assert "Periksa isian berikut" in page.text and 'href="#answers-U1"' in page.text
    assert "Tulisan saya" in page.text and 'value="2" checked' in page.text
    assert Response.objects(id=fields["id"]).count() == 0


def test_unknown_survey_page_is_404(survey):
    page = survey.get("/s/NOPE2345")
    assert page.status_code == 404 and "tidak ditemukan" in page.text
