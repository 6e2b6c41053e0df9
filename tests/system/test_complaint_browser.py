"""The citizen's and the handler's complaint pages in headless Chromium, against real gunicorn,
database and Kafka, under the services' Content-Security-Policy and axe-core: a complaint from
the counter's QR code on a phone, the unit head verifying and answering it on the notifier's
pages, and the citizen reading the answer on the tracking page. Screenshots go to
tests/artifacts/screenshots/complaint-*.png."""
from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from kafka import TopicPartition

from shared.contracts.events import from_json
from shared.messaging.topics import Topics
from shared.platform.auth import issue_token
from shared.platform.clock import SystemClock
from shared.records.complaints import Complaint
from shared.records.directory import Employee, Unit
from shared.records.users import WebUser, hash_password

from services.notifier import ticket_actions
from services.survey.complaints.tracker import Tracker
from tests.support import axe
from tests.support.browser import browser, csp_violations
from tests.support.kafka_read import read_topic
from tests.support.processes import free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser
HEAD = "197512122000121003"
HOSTILE = "<script>window.pwned=1</script> Antrean obat tiga jam"


def test_complaint_pages_for_the_citizen_and_the_handler(fresh_settings, processes, artifacts):
    ports = {"survey": free_port(), "notifier": free_port()}
    settings = replace(fresh_settings, rate_limit_client=0, public_survey_url=f"http://127.0.0.1:{ports['survey']}",
                       notifier_public_url=f"http://127.0.0.1:{ports['notifier']}", webhook_url="",
                       smtp_port=free_port())
    now = SystemClock().now()
    Unit.save_revision("RSUD", {"name": "Rumah Sakit Umum Daerah", "head_nip": HEAD}, at=now, by="t")
    Employee.save_revision(HEAD, {"name": "Kepala RSUD", "unit": "RSUD"}, at=now, by="t")
    WebUser.save_revision("kepala.rsud", {"password_hash": hash_password("rahasia-sekali"), "roles": ["supervisor"],
                                          "nip": HEAD}, at=now, by="t")
    services = processes(settings)
    survey = services.web("survey", port=ports["survey"])
    notifier = services.web("notifier", port=ports["notifier"])
    admin = {"Authorization": "Bearer " + issue_token(settings, sub="admin", roles=["admin"])}
    dep = requests.post(f"{survey.url}/api/v1/deployments", json={"template": "skm", "unit": "RSUD"}, headers=admin,
                        timeout=10).json()
    shots = artifacts / "screenshots"
    shots.mkdir(exist_ok=True)

    with browser() as b:
        phone = b.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        blocked = csp_violations(phone)
        phone.goto(f"{survey.url}/s/{dep['code']}/pengaduan")
        phone.click("button[type=submit]")                                  # nothing written: errors first
        assert phone.locator(".error-summary a[href='#text']").count() == 1
        phone.fill("#text", HOSTILE)
        phone.select_option("#unsur", "U3")
        phone.fill("#email", "warga@rumah.example")
        phone.check("input[name=consent]")
        assert axe.violations(phone) == []
        phone.screenshot(path=str(shots / "complaint-form.png"), full_page=True)
        phone.click("button[type=submit]")
        ticket = phone.locator("#ticket").inner_text()
        assert ticket.startswith("ADU-")
        phone.screenshot(path=str(shots / "complaint-sent.png"), full_page=True)
        tracking = phone.locator("a.button.primary").get_attribute("href")

        # the notifier takes the ticket in (what its worker does with the relay's event)
        ticket_actions.received(settings, from_json(Complaint.objects(pk=ticket).get().outbox.event), now)

        desk = b.new_page(viewport={"width": 1280, "height": 900})
        blocked += csp_violations(desk)
        desk.goto(f"{notifier.url}/login")
        desk.fill("#username", "kepala.rsud")
        desk.fill("#password", "rahasia-sekali")
        desk.click("button[type=submit]")
        desk.goto(f"{notifier.url}/pengaduan")
        desk.click(f"a:text('{ticket}')")
        assert desk.locator("#text").inner_text() == HOSTILE                 # shown as text, never run
        assert "warga@rumah.example" in desk.locator("main").inner_text()
        assert desk.evaluate("() => window.pwned") is None
        assert axe.violations(desk) == []
        desk.screenshot(path=str(shots / "complaint-handler.png"), full_page=True)
        desk.click("#verify-actions button.primary")
        desk.fill("#reply-text", "Apotek rawat jalan kini buka dua loket mulai pukul 07.30.")
        desk.click("#answer-actions button.primary")
        assert desk.locator("#state").get_attribute("data-state") == "selesai"

        # the survey tracker folds the published steps (what its process does)
        topic = Topics.from_settings(settings).complaints

        def steps():
            records = [r for r in read_topic(settings, topic) if b"status.changed" in r.value]
            return records if len(records) == 2 else None

        records = eventually(steps, timeout=30, message="the status events never reached Kafka")
        batch: dict = {}
        for r in records:
            batch.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        Tracker(settings).handle(batch)

        phone.goto(tracking)
        assert phone.locator("#state").inner_text() == "Selesai"
        assert "dua loket" in phone.locator("#reply").inner_text()
        assert phone.locator("#steps li").count() == 3
        assert "warga@" not in phone.content() and "Antrean obat" not in phone.content()
        assert axe.violations(phone) == []
        phone.screenshot(path=str(shots / "complaint-tracking.png"), full_page=True)
        assert blocked == []
