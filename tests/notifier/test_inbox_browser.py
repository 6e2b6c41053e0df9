"""The inbox page in headless Chromium: a supervisor logs in, acknowledges a case, records the
coaching dialogue and resolves it; the resolved case links to the indicator trend. No page
reports a Content-Security-Policy violation."""
from __future__ import annotations

import pytest

from tests.notifier.conftest import batch_of, case_event
from tests.support.browser import csp_violations

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_a_supervisor_closes_the_loop_in_the_inbox_page(nsettings, processes, worker, org, clock, artifacts):
    from playwright.sync_api import sync_playwright

    from shared.records.users import WebUser, hash_password
    WebUser.save_revision("kasi.pelayanan", {"password_hash": hash_password("rahasia-sekali"), "roles": ["supervisor"],
                                              "nip": org.sup}, at=clock.now(), by="test")
    mine = case_event(org.staff[0], clock=clock)
    theirs = case_event(org.outsider, unit="DPM", clock=clock)
    worker.process(batch_of(mine, theirs))
    api = processes(nsettings).web("notifier")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400}, locale="id-ID")
            blocked = csp_violations(page)
            page.goto(f"{api.url}/inbox")
            assert "/login" in page.url
            page.fill("#username", "kasi.pelayanan")
            page.fill("#password", "rahasia-sekali")
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{api.url}/inbox")
            assert page.locator("table.cases tbody tr").count() == 1        # own team only
            assert "Pegawai 0" in page.inner_text("table.cases")
            assert "Pegawai DPM" not in page.content()

            page.click("text=Pegawai 0")
            page.wait_for_selector("#acknowledge")
            assert "Akui kasus" in page.inner_text("#acknowledge")           # Bahasa Indonesia first
            page.click("#acknowledge")
            page.wait_for_selector("#save-dialogue")
            assert page.get_attribute("#case-status", "data-status") == "acknowledged"

            page.fill("#date", "2026-11-24")
            page.fill("#notes", "Membahas keluhan warga tentang antrean loket.")
            page.fill("#agreed_actions", "Ikut pelatihan pelayanan prima\nEvaluasi bulanan bersama atasan")
            page.fill("#follow_up", "2026-12-24")
            page.click("#save-dialogue")
            page.wait_for_selector("#resolve")
            assert "Ikut pelatihan pelayanan prima" in page.inner_text("article.dialogue")

            page.fill("#resolve-notes", "Antrean membaik.")
            page.click("#resolve")
            page.wait_for_selector("#trend-link")
            assert page.get_attribute("#case-status", "data-status") == "resolved"
            assert page.get_attribute("#trend-link", "href") == (
                f"https://agg.pemda.example/pegawai/{org.staff[0]}?period=2026-10")
            kinds = page.eval_on_selector_all("ol.history li[data-kind]", "els => els.map(e => e.dataset.kind)")
            assert kinds == ["acknowledged", "dialogue", "resolved"]
            page.screenshot(path=str(artifacts / "notifier-inbox-case.png"), full_page=True)

            forbidden = page.goto(f"{api.url}/inbox/{theirs.payload['case_id']}")
            assert forbidden.status == 403
            page.goto(f"{api.url}/inbox?lang=en")
            assert "Coaching inbox" in page.inner_text("h1")
            page.screenshot(path=str(artifacts / "notifier-inbox.png"), full_page=True)
            assert blocked == []
        finally:
            browser.close()
