"""Templates are versioned and immutable; deployments give a public code, a form URL and QR codes."""
from __future__ import annotations

import uuid

import pytest

from shared.records.responses import Response

from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration

CUSTOM = {
    "title_id": "Survei Kebersihan", "title_en": "Cleanliness survey",
    "questions": [
        {"code": "bersih", "type": "scale", "scale": 5, "required": True, "text_id": "Seberapa bersih?",
         "text_en": "How clean?"},
        {"code": "nps", "type": "nps", "text_id": "Akan merekomendasikan?", "text_en": "Would you recommend us?"},
        {"code": "area", "type": "multiple", "text_id": "Area yang kotor", "text_en": "Dirty areas",
         "choices": [{"value": "toilet", "label_id": "Toilet", "label_en": "Toilet"},
                     {"value": "ruang_tunggu", "label_id": "Ruang tunggu", "label_en": "Waiting room"}]},
        {"code": "catatan", "type": "text", "text_id": "Catatan", "text_en": "Notes"},
    ],
}


def test_builtin_templates_in_both_languages(survey):
    listed = {t["code"]: t for t in survey.get("/api/v1/templates").json}
    skm = listed["skm"]
    # version 2 asks in the regulation's questionnaire order: facilities (U9) 8th, complaints (U8) 9th
    assert skm["version"] == 2
    assert [q["code"] for q in skm["questions"]] == ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8"]
    assert skm["questions"][3]["labels"][3] == {"id": "Gratis", "en": "Free"}
    assert skm["questions"][3]["heading"] == {"id": "Biaya/Tarif", "en": "Cost / fee"}
    v1 = survey.get("/api/v1/templates/skm?version=1").json
    assert [q["code"] for q in v1["questions"]] == [f"U{i}" for i in range(1, 10)]
    peer = listed["berakhlak360"]
    values = [q for q in peer["questions"] if q["type"] == "scale"]
    assert len(values) == 7 and all(len(q["guides"]) == 3 for q in values)


def test_custom_template_versions_never_change(survey, tokens):
    code = f"bersih-{uuid.uuid4().hex[:6]}"
    v1 = survey.post("/api/v1/templates", json={"code": code, **CUSTOM}, headers=tokens("admin"))
    assert v1.status_code == 201 and v1.json["version"] == 1
    changed = {**CUSTOM, "questions": CUSTOM["questions"][:1]}
    v2 = survey.post("/api/v1/templates", json={"code": code, **changed}, headers=tokens("admin"))
    assert v2.json["version"] == 2
    assert len(survey.get(f"/api/v1/templates/{code}?version=1").json["questions"]) == 4
    assert len(survey.get(f"/api/v1/templates/{code}").json["questions"]) == 1


def test_bad_template_definitions_are_422(survey, tokens):
    admin = tokens("admin")
    bad_scale = {**CUSTOM, "questions": [{"code": "x", "type": "scale", "text_id": "x", "text_en": "x"}]}
    r = survey.post("/api/v1/templates", json={"code": "t-bad", **bad_scale}, headers=admin)
    assert r.status_code == 422 and "questions.0.scale" in r.json["errors"]
    dup = {**CUSTOM, "questions": CUSTOM["questions"][:1] * 2}
    assert survey.post("/api/v1/templates", json={"code": "t-dup", **dup}, headers=admin).status_code == 422
    assert survey.post("/api/v1/templates", json={"code": "skm", **CUSTOM}, headers=admin).status_code == 422


def test_deployment_gives_code_url_and_qr_codes(survey, deployment, settings):
    assert len(deployment["code"]) == 8
    assert deployment["url"] == f"{settings.public_survey_url}/s/{deployment['code']}"
    png = survey.get(f"/api/v1/deployments/{deployment['code']}/qr.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = survey.get(f"/api/v1/deployments/{deployment['code']}/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    assert survey.get("/api/v1/deployments/ZZZZZZZZ/qr.png").status_code == 404


def test_responses_are_checked_against_the_exact_version(survey, tokens, org):
    code = f"bersih-{uuid.uuid4().hex[:6]}"
    survey.post("/api/v1/templates", json={"code": code, **CUSTOM}, headers=tokens("admin"))
    dep = survey.post("/api/v1/deployments", json={"template": code, "unit": org.unit}, headers=tokens("admin")).json
    ok = survey.post("/api/v1/responses", json={"deployment": dep["code"], "template_version": 1, "answers": {
        "bersih": 4, "nps": 9, "area": ["toilet"], "catatan": "Toilet kurang bersih"}})
    assert ok.status_code == 201, ok.json
    stored = Response.objects.get(id=ok.json["id"])
    assert stored.kind == "custom" and stored.answers["catatan"] == "Toilet kurang bersih"
    assert "catatan" not in stored.outbox.event["payload"]["answers"]  # free text never travels in events
    assert stored.outbox.event["type"] == "survey.response.submitted"
    # A second version drops questions; a respondent still on version 1 is checked against version 1.
    survey.post("/api/v1/templates", json={"code": code, **CUSTOM, "questions": CUSTOM["questions"][:1]},
                headers=tokens("admin"))
    still_v1 = survey.post("/api/v1/responses", json={"deployment": dep["code"], "template_version": 1,
                                                      "answers": {"bersih": 2, "nps": 3}})
    assert still_v1.status_code == 201
    v2_extra = survey.post("/api/v1/responses", json={"deployment": dep["code"], "template_version": 2,
                                                      "answers": {"bersih": 2, "nps": 3}})
    assert v2_extra.status_code == 422 and "answers.nps" in v2_extra.json["errors"]
    for answers, field in (({"nps": 3}, "answers.bersih"), ({"bersih": 6}, "answers.bersih"),
                           ({"bersih": 3, "area": ["kolam"]}, "answers.area"),
                           ({"bersih": 3, "nps": 11}, "answers.nps")):
        r = survey.post("/api/v1/responses", json={"deployment": dep["code"], "template_version": 1,
                                                   "answers": answers})
        assert r.status_code == 422 and field in r.json["errors"], (answers, r.json)


def test_deployment_names_its_officer_and_service_in_the_event(survey, deployment, org):
    r = survey.post("/api/v1/responses", json={"deployment": deployment["code"], "answers": SKM_ANSWERS})
    payload = Response.objects.get(id=r.json["id"]).outbox.event["payload"]
    assert (payload["unit"], payload["service"], payload["officer"]) == (org.unit, "KTP", org.a)


def test_inactive_or_unknown_deployments_take_no_responses(survey, tokens, deployment, org):
    update = {"template": "skm", "unit": org.unit, "active": False}
    assert survey.put(f"/api/v1/deployments/{deployment['code']}", json=update,
                      headers=tokens("admin")).status_code == 200
    r = survey.post("/api/v1/responses", json={"deployment": deployment["code"], "answers": SKM_ANSWERS})
    assert r.status_code == 422 and "deployment" in r.json["errors"]
    assert survey.get(f"/s/{deployment['code']}").status_code == 404
