"""The employee portal in headless Chromium against real gunicorn, relay, worker, database and
Kafka: three colleagues give a fourth BerAKHLAK feedback from their phones, and the evaluator
sees the released result; a colleague with two raters reads "belum dirilis" on their own page;
nobody reaches another employee's page (403); no Content-Security-Policy violation. Screenshots:
tests/artifacts/pegawai-*.png."""
from __future__ import annotations

from dataclasses import replace

import pytest

from shared.platform.clock import SystemClock
from shared.records.directory import Employee, Unit
from shared.records.users import WebUser, hash_password

from tests.support.browser import browser, csp_violations
from tests.support.processes import free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser
PASSWORD = "pegawai-rahasia-2026"
HEAD, ANI, BUDI, CITRA, DODI = (f"19850101201001{n:04d}" for n in range(1, 6))


@pytest.fixture
def portal(fresh_settings, processes):
    ports = {"survey": free_port(), "aggregator": free_port()}
    settings = replace(fresh_settings, public_survey_url=f"http://127.0.0.1:{ports['survey']}",
                       aggregator_public_url=f"http://127.0.0.1:{ports['aggregator']}")
    at = SystemClock().now()
    Unit.save_revision("DISPORA", {"name": "Dinas Pemuda dan Olahraga", "head_nip": HEAD}, at=at, by="t")
    for nip, name, boss in ((HEAD, "Kepala Dinas", None), (ANI, "Ani", HEAD), (BUDI, "Budi", HEAD),
                            (CITRA, "Citra", HEAD), (DODI, "Dodi", HEAD)):
        Employee.save_revision(nip, {"name": name, "unit": "DISPORA", "supervisor_nip": boss}, at=at, by="t")
        WebUser.save_revision(name.split()[0].lower(), {"password_hash": hash_password(PASSWORD), "roles": ["employee"],
                                                        "nip": nip}, at=at, by="t")
    WebUser.save_revision("evaluasi.portal", {"password_hash": hash_password(PASSWORD), "roles": ["evaluator"]},
                          at=at, by="t")
    services = processes(settings)
    urls = {"survey": services.web("survey", workers=1, port=ports["survey"]).url}
    services.relay()
    services.aggregator_worker()
    urls["aggregator"] = services.web("aggregator", workers=1, port=ports["aggregator"]).url
    return {**urls, "settings": settings}


def _raters(aggregator: str, nip: str, settings) -> int:
    """How many raters the aggregator has folded for ``nip`` this quarter (its API, as an evaluator)."""
    import requests

    from shared.domain.periods import month_of, quarter_of
    from shared.platform.auth import issue_token
    quarter = quarter_of(month_of(SystemClock().now(), settings.timezone))
    token = issue_token(settings, sub="poll", roles=["evaluator"])
    rows = requests.get(f"{aggregator}/api/v1/indicators/peer", params={"period": quarter, "employee": nip},
                        headers={"Authorization": f"Bearer {token}"}, timeout=10).json().get("items", [])
    return rows[0]["raters"] if rows else 0


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login?next=/me")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/me")


def _rate(page, url: str, nip: str, score: int) -> None:
    page.goto(f"{url}/me")
    page.click(f"#c-{nip} a")
    for fieldset in page.locator("fieldset[id^=answers-]").all():
        fieldset.locator(f"input[value='{score}']").check()
    page.click("#send-feedback")
    page.wait_for_selector("#given")


def test_three_colleagues_release_a_result_and_two_do_not(portal, artifacts):
    survey, aggregator = portal["survey"], portal["aggregator"]
    with browser() as b:
        blocked: list[str] = []
        for who, ratings in (("ani", ((DODI, 4), (CITRA, 3))), ("budi", ((DODI, 5), (CITRA, 4))),
                             ("citra", ((DODI, 4),))):
            page = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID").new_page()
            blocked += csp_violations(page)
            _log_in(page, survey, who)
            if who == "ani":
                page.click(f"#c-{DODI} a")
                page.screenshot(path=str(artifacts / "pegawai-umpan-balik.png"), full_page=True)
            for nip, score in ratings:
                _rate(page, survey, nip, score)
            assert page.get_attribute(f"#c-{DODI}", "data-done") == "yes"
            if who == "citra":
                page.screenshot(path=str(artifacts / "pegawai-rekan.png"), full_page=True)
                assert page.goto(f"{aggregator}/pegawai/{DODI}").status == 403   # another employee's page
                eventually(lambda: _raters(aggregator, CITRA, portal["settings"]) == 2, timeout=60,
                           message="Citra's ratings not folded")
                page.goto(f"{aggregator}/pegawai/{CITRA}")
                assert page.locator('#peer-withheld[data-raters="2"]').count() == 1
                assert "Belum dirilis" in page.inner_text("#peer")
                page.screenshot(path=str(artifacts / "pegawai-belum-dirilis.png"), full_page=True)

        evaluator = b.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
        blocked += csp_violations(evaluator)
        evaluator.goto(f"{aggregator}/login?next=/pegawai/{DODI}")
        evaluator.fill("#username", "evaluasi.portal")
        evaluator.fill("#password", PASSWORD)
        evaluator.click("button[type=submit].primary")
        eventually(lambda: _raters(aggregator, DODI, portal["settings"]) == 3, timeout=60,
                   message="Dodi's ratings were not folded")
        evaluator.goto(f"{aggregator}/pegawai/{DODI}")
        assert evaluator.locator('#peer-released[data-raters="3"]').count() == 1
        overall = evaluator.inner_text("#peer-released")
        assert "4,3" in overall or "4.3" in overall               # (4 + 5 + 4) / 3, half-up to one decimal
        evaluator.screenshot(path=str(artifacts / "pegawai-dirilis.png"), full_page=True)
        assert blocked == []


def test_a_supervisor_follows_the_inbox_to_the_indicator_page_and_finds_the_mail(fresh_settings, processes, artifacts):
    """The case's mail goes to the development mail catcher; the supervisor closes the case in
    the inbox, follows its link to the person's indicator page (one login for both services) and
    finds the mail on the catcher's page."""
    import os
    import subprocess
    import sys

    from services.notifier.deliveries import Sender
    from services.notifier.worker import NotifierWorker
    from tests.notifier.conftest import batch_of, case_event
    from tests.support.env import settings_env

    catcher_port = free_port()
    ports = {"aggregator": free_port(), "notifier": free_port()}
    settings = replace(fresh_settings, aggregator_public_url=f"http://127.0.0.1:{ports['aggregator']}",
                       notifier_public_url=f"http://127.0.0.1:{ports['notifier']}", smtp_host="127.0.0.1",
                       smtp_port=catcher_port, webhook_url="")
    at = SystemClock().now()
    Unit.save_revision("DISPORA", {"name": "Dinas Pemuda dan Olahraga", "head_nip": HEAD}, at=at, by="t")
    Employee.save_revision(HEAD, {"name": "Kepala Dinas", "unit": "DISPORA", "email": "kepala@pemda.example"},
                           at=at, by="t")
    Employee.save_revision(ANI, {"name": "Ani", "unit": "DISPORA", "supervisor_nip": HEAD}, at=at, by="t")
    WebUser.save_revision("kepala", {"password_hash": hash_password(PASSWORD), "roles": ["supervisor"], "nip": HEAD},
                          at=at, by="t")
    WebUser.save_revision("ani", {"password_hash": hash_password(PASSWORD), "roles": ["employee"], "nip": ANI},
                          at=at, by="t")
    env = {**os.environ, **settings_env(settings), "TANGGAP_MAIL_CATCHER_PORT": str(catcher_port)}
    catcher = subprocess.Popen([sys.executable, "-m", "infra.mailcatcher"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert "smtp://" in (catcher.stdout.readline() if catcher.stdout else "")
        event = case_event(ANI, unit="DISPORA", period=at.strftime("%Y-%m"))
        sender = Sender(settings)
        try:
            NotifierWorker(settings, sender=sender).process(batch_of(event))   # stored and delivered
        finally:
            sender.close()
        services = processes(settings)
        notifier = services.web("notifier", workers=1, port=ports["notifier"]).url
        services.web("aggregator", workers=1, port=ports["aggregator"])
        with browser() as b:
            page = b.new_context(viewport={"width": 1100, "height": 1000}, locale="id-ID").new_page()
            blocked = csp_violations(page)
            page.goto(f"{notifier}/login?next=/inbox")
            page.fill("#username", "kepala")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit].primary")
            page.click("text=Ani")
            page.click("#acknowledge")
            page.fill("#date", at.strftime("%Y-%m-%d"))
            page.fill("#notes", "Membahas keterlambatan layanan.")
            page.click("#save-dialogue")
            page.fill("#resolve-notes", "Sudah membaik.")
            page.click("#resolve")
            page.click("#trend-link")                              # to the aggregator, the same login
            page.wait_for_selector("#peer")
            assert ANI in page.inner_text("main") and "Indikator pegawai" in page.inner_text("h1")
            page.screenshot(path=str(artifacts / "pegawai-dari-kotak-masuk.png"), full_page=True)
            from shared.records.dev_mail import CaughtMail
            eventually(lambda: CaughtMail.objects.count() >= 1, timeout=30, message="the case's mail was not caught")
            page.goto(f"{notifier}/dev/surel")
            assert page.locator("[data-mail]").count() >= 1
            assert "kepala@pemda.example" in page.inner_text("main")
            page.screenshot(path=str(artifacts / "pegawai-surel.png"), full_page=True)

            ani = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID").new_page()
            blocked += csp_violations(ani)
            ani.goto(f"{notifier}/login?next=/me/pembinaan")
            ani.fill("#username", "ani")
            ani.fill("#password", PASSWORD)
            ani.click("button[type=submit].primary")
            ani.wait_for_selector("article.dialogue")                # her own record, read only
            assert "Membahas keterlambatan layanan." in ani.inner_text("main")
            assert ani.locator("main form").count() == 0
            ani.screenshot(path=str(artifacts / "pegawai-pembinaan.png"), full_page=True)
            assert ani.goto(f"{notifier}/inbox").status == 403          # the inbox stays the supervisor's
            assert blocked == []
    finally:
        catcher.terminate()
        catcher.wait(timeout=20)
