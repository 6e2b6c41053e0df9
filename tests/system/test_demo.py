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
    assert "0 new responses" in said[-1] and "a kiosk" in said[-1]
