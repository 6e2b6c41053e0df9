"""A citizen's rating names an officer only where that officer serves: through a deployment
pinned to them, or as someone of the rated unit (or a unit below it). Real database, the
Flask test client, the deployment and kiosk paths."""
from __future__ import annotations

import pytest

from shared.records.directory import Employee, Unit

from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration


def rate(survey, **body):
    return survey.post("/api/v1/responses", json={"answers": SKM_ANSWERS, **body})


def test_an_officer_of_another_unit_cannot_be_rated(survey, org):
    refused = rate(survey, unit=org.unit, officer=org.outsider)       # Citra works in the other unit
    assert refused.status_code == 422 and "does not serve in this unit" in refused.json["errors"]["officer"][0]
    assert rate(survey, unit=org.unit, officer=org.a).status_code == 201
    assert rate(survey, unit=org.other_unit, officer=org.outsider).status_code == 201


def test_an_officer_of_a_sub_unit_may_be_rated_at_the_parent_but_not_the_other_way(survey, org, clock):
    sub = org.unit + "-LOKET"
    Unit.save_revision(sub, {"name": "Loket", "parent": org.unit}, at=clock.now(), by="t")
    clerk = org.b[:-3] + "777"
    Employee.save_revision(clerk, {"name": "Dewi", "unit": sub}, at=clock.now(), by="t")
    assert rate(survey, unit=org.unit, officer=clerk).status_code == 201
    assert rate(survey, unit=sub, officer=org.a).status_code == 422


def test_a_pinned_deployment_names_its_own_officer_only(survey, org, deployment, tokens):
    code = deployment["code"]
    assert rate(survey, deployment=code).status_code == 201
    assert rate(survey, deployment=code, officer=org.a).status_code == 201
    other = rate(survey, deployment=code, officer=org.b)
    assert other.status_code == 422 and "pinned to another officer" in other.json["errors"]["officer"][0]
    pinned_elsewhere = survey.post("/api/v1/deployments", headers=tokens("admin"), json={
        "template": "skm", "unit": org.unit, "officer": org.outsider})
    assert pinned_elsewhere.status_code == 422 and "officer" in pinned_elsewhere.json["errors"]


def test_nothing_is_stored_for_a_refused_rating(survey, org):
    from shared.records.responses import Response
    before = Response.objects.count()
    assert rate(survey, unit=org.unit, officer=org.outsider).status_code == 422
    assert Response.objects.count() == before
