"""The console's training pages (admins and evaluators), against the real database: a new
programme, its participants typed and uploaded, its scores uploaded; the same checks as the
API; anyone else is sent to log in."""
from __future__ import annotations

import io

import pytest

from shared.records.trainings import TrainingProgramme, TrainingScoreImport

from tests.survey import test_admin_pages
from tests.survey.test_admin_pages import csrf

pytestmark = pytest.mark.integration
people = test_admin_pages.people


def test_training_console_creates_a_programme_and_takes_its_lists(people, org, settings, tokens):
    evaluator = people["evaluator"]
    code = f"pelatihan-{people['tag'].lower()}"
    page = evaluator.get("/admin/pelatihan")
    assert page.status_code == 200
    bad = evaluator.post("/admin/pelatihan", data={"csrf_token": csrf(page.text), "code": code, "name": "Konflik",
                                                   "start": "2026-11-20", "end": "2026-11-16"})
    assert bad.status_code == 422 and 'data-error="end"' in bad.text
    made = evaluator.post("/admin/pelatihan", data={"csrf_token": csrf(page.text), "code": code, "name": "Konflik",
                                                    "start": "2026-11-16", "end": "2026-11-20", "unsur": ["U7"],
                                                    "participants": f"{org.a}\n{org.b}"})
    assert made.status_code == 302
    assert TrainingProgramme.head(code).participants == [org.a, org.b]
    form = evaluator.get(f"/admin/pelatihan/{code}").text
    from shared.records.trainings import reaction_key
    assert "Konflik" in form and reaction_key(settings, code, org.a) not in form   # no personal answer links
    listed = evaluator.post(f"/admin/pelatihan/{code}/peserta", content_type="multipart/form-data", data={
        "csrf_token": csrf(form), "file": (io.BytesIO(f"nip\n{org.lead}\n".encode()), "peserta.csv")})
    assert listed.status_code == 302 and org.lead in TrainingProgramme.head(code).participants
    scored = evaluator.post(f"/admin/pelatihan/{code}/nilai", content_type="multipart/form-data", data={
        "csrf_token": csrf(form), "file": (io.BytesIO(f"nip,pre,post\n{org.a},50,75\n".encode()), "nilai.csv")})
    assert scored.status_code == 302 and TrainingScoreImport.objects(programme=code).count() == 1
    refused = evaluator.post(f"/admin/pelatihan/{code}/nilai", content_type="multipart/form-data", data={
        "csrf_token": csrf(form), "file": (io.BytesIO(f"nip,pre,post\n{org.outsider},50,75\n".encode()), "x.csv")})
    assert refused.status_code == 422 and 'data-error="file"' in refused.text
    api, auth = people["anon"], tokens("evaluator")
    semicolons = api.post(f"/api/v1/trainings/{code}/scores", data=f"nip;pre;post\n{org.b};40,5;80\n",
                          content_type="text/csv", headers=auth)
    assert semicolons.status_code == 201, semicolons.json       # the separator Indonesian Excel writes
    crowded = api.post(f"/api/v1/trainings/{code}/scores", data=f"nip,pre,post\n{org.b},40,5,80\n",
                       content_type="text/csv", headers=auth)
    assert crowded.status_code == 422 and "file" in crowded.json["errors"]       # a decimal comma: never a 500
    assert people["anon"].get("/admin/pelatihan").status_code == 302
