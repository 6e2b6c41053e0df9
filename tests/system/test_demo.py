"""The demo of `make up` fills every admin page (counters with posters, a custom survey, a
kiosk) and loading it again adds nothing and undoes nothing an admin changed."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_the_demo_fills_the_console_once_and_keeps_what_an_admin_changed(fresh_settings, clock):
    from services import demo
    from services.survey.surveys import catalog
    from services.survey.surveys.models import Deployment, KioskDevice, KioskHeartbeat, SurveyTemplate

    said: list[str] = []
    demo.load(fresh_settings, echo=said.append)
    deployments = {d.code: d for d in Deployment.heads()}
    assert len(deployments) == len(demo.DEPLOYMENTS) and all(d.active for d in deployments.values())
    custom = catalog.template("ruang-tunggu")
    assert custom is not None and custom.version == 1
    assert [q.type for q in custom.questions] == ["scale", "multiple", "nps", "text"]
    assert {d.template for d in deployments.values()} == {"skm", "ruang-tunggu"}
    kiosk = KioskDevice.head(demo.KIOSK[0])
    assert kiosk is not None and kiosk.deployment in deployments and KioskHeartbeat.objects.count() == 1

    paused = next(iter(deployments))
    Deployment.save_revision(paused, {"active": False}, at=clock.now(), by="admin")
    demo.load(fresh_settings, echo=said.append)
    assert len(Deployment.heads()) == len(demo.DEPLOYMENTS) and Deployment.head(paused).active is False
    assert SurveyTemplate.objects(code="ruang-tunggu").count() == 1 and KioskHeartbeat.objects.count() == 1
    assert "0 new responses" in said[-1] and "0 new peer ratings" in said[-1] and "a kiosk" in said[-1]
    assert "0 complaint tickets" in said[-1]          # the complaints' client ids: the same tickets again
    from shared.records.complaints import Complaint
    assert Complaint.objects.count() == len(demo.COMPLAINTS)


def test_the_demo_has_employees_who_log_in_and_a_released_peer_result(fresh_settings):
    from shared.records.directory import Employee
    from shared.records.responses import Response
    from shared.records.users import authenticate

    from services import demo
    said: list[str] = []
    demo.load(fresh_settings, echo=said.append)
    assert f"{len(demo.PEER)} new peer ratings" in said[-1]
    for username, _roles, nip, password in demo.LOGINS:
        user = authenticate(username, password)
        assert user is not None and user.nip == nip
    supervisors = {nip for _u, roles, nip, _p in demo.LOGINS if "supervisor" in roles}
    assert all(Employee.head(nip).email.endswith("@pemda.example") for nip in supervisors)   # mail they can see
    raters = {}
    for doc in Response.objects(kind="peer"):
        raters.setdefault(doc.ratee, set()).add(doc.rater_hash)
    counts = sorted(len(v) for v in raters.values())
    assert counts == [2, 3]             # one result released (three raters), one withheld (two)


def test_the_demo_is_never_loaded_in_production(fresh_settings):
    from dataclasses import replace

    from shared.records.directory import Unit

    from services import demo
    said: list[str] = []
    demo.load(replace(fresh_settings, env="production", secret_key="x" * 40), echo=said.append)
    assert "not loaded" in said[-1] and Unit.objects.count() == 0
