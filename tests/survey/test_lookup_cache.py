"""The intake keeps the records it looked up for a few seconds (REFERENCE_CACHE_SECONDS).

Against the real database: a change written through this process is seen at once; one
written by another process (simulated by a raw insert that bypasses this process's code)
within the documented interval, which the injected clock moves past.
"""
from __future__ import annotations

import pytest

from shared.records.directory import Employee

from services.survey.submissions.citizen import lookups
from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration


def _submit(survey, org, **extra):
    return survey.post("/api/v1/responses", json={"unit": org.unit, "service": "KTP", "officer": org.a,
                                                  "answers": SKM_ANSWERS, **extra})


def _another_process_deactivates(nip: str) -> None:
    """What another gunicorn worker's edit leaves in the database: the next revision, inactive."""
    head = Employee.head(nip)
    doc = head.to_mongo().to_dict()
    doc.pop("_id")
    doc.update(rev=head.rev + 1, active=False)
    Employee._get_collection().insert_one(doc)
    Employee._get_collection().update_one({"_id": head.pk}, {"$set": {"superseded": True}})


def test_an_officer_deactivated_through_this_process_is_refused_at_once(survey, tokens, org):
    assert _submit(survey, org).status_code == 201
    off = survey.post("/api/v1/employees", json={"nip": org.a, "name": "Ani", "unit": org.unit,
                                                 "supervisor_nip": org.lead, "active": False},
                      headers=tokens("admin"))
    assert off.status_code in (200, 201), off.json
    refused = _submit(survey, org)
    assert refused.status_code == 422
    assert "officer" in refused.json["errors"]


def test_a_change_made_elsewhere_shows_within_the_cache_interval(survey, survey_app, settings, clock, org):
    assert settings.reference_cache_seconds == 5
    assert _submit(survey, org).status_code == 201
    _another_process_deactivates(org.a)
    clock.advance(seconds=4)
    # Within the interval this process still uses the officer it read: accepted, as documented.
    assert _submit(survey, org).status_code == 201
    clock.advance(seconds=2)
    refused = _submit(survey, org)
    assert refused.status_code == 422 and "officer" in refused.json["errors"]


def test_an_unknown_unit_is_looked_up_again_after_the_interval(survey, tokens, clock, org):
    from shared.records.directory import Unit

    code = f"NEW-{org.unit}"
    body = {"unit": code, "answers": SKM_ANSWERS}
    assert survey.post("/api/v1/responses", json=body).status_code == 422
    doc = Unit(code=code, name="Unit baru", rev=1, changed_at=clock.now(), changed_by="elsewhere").to_mongo()
    Unit._get_collection().insert_one(doc)
    assert survey.post("/api/v1/responses", json=body).status_code == 422   # "unknown" kept for the interval
    clock.advance(seconds=6)
    assert survey.post("/api/v1/responses", json=body).status_code == 201


def test_the_cache_saves_the_lookups_of_repeated_submissions(survey, survey_app, org):
    with survey_app.app_context():
        cache = lookups()
    before = (cache.hits, cache.misses)
    for _ in range(3):
        assert _submit(survey, org).status_code == 201
    hits, misses = cache.hits - before[0], cache.misses - before[1]
    assert misses <= 3          # unit, service and officer, once
    assert hits >= 6            # the next two submissions read none of them
