"""The aggregator's configuration pages in headless Chromium against real gunicorn: an admin
arrives from the front door, sets SKM weights for a unit (a wrong sum is refused with the field
named, then fractions that sum to exactly 1 are saved) and switches a coaching rule off; each
change is a revision in the history; no Content-Security-Policy violation. Screenshots:
tests/artifacts/admin-config-weights.png, admin-config-rule.png."""
from __future__ import annotations

import pytest

from tests.support.browser import browser, csp_violations

pytestmark = pytest.mark.browser


def test_an_admin_sets_weights_and_switches_a_rule_off_in_the_browser(fresh_settings, processes, clock, artifacts):
    from shared.records.directory import Unit
    from shared.records.users import WebUser, hash_password

    from services.aggregator.coaching.rule_config import CoachingRule
    Unit.save_revision("DISDUK", {"name": "Dinas Kependudukan"}, at=clock.now(), by="test")
    WebUser.save_revision("admin.konfig", {"password_hash": hash_password("admin-konfig-2026"), "roles": ["admin"]},
                          at=clock.now(), by="test")
    api = processes(fresh_settings).web("aggregator", workers=1, threads=4)
    with browser() as b:
        page = b.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
        blocked = csp_violations(page)
        page.goto(f"{api.url}/admin")
        page.fill("#username", "admin.konfig")
        page.fill("#password", "admin-konfig-2026")
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{api.url}/admin")
        page.click(".subnav a[href$='/admin/weights']")
        page.select_option("#f-scope", "DISDUK")
        for code in ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8"):
            page.fill(f"#f-weights-{code}", "1/10")
        page.fill("#f-weights-U9", "0.1")                          # sums to 0.9: refused
        page.fill("#f-reason", "Unsur 1 dan 9 kurang relevan untuk layanan ini")
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("#error-summary")
        assert page.locator('[data-error="weights"]').count() == 1
        page.fill("#f-weights-U9", "2/10")
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("text=1/10")
        page.goto(f"{api.url}/admin/weights")
        assert page.locator('tr[data-scope="DISDUK"]').count() == 1
        page.screenshot(path=str(artifacts / "admin-config-weights.png"), full_page=True)

        page.click(".subnav a[href$='/admin/rules']")
        first = page.get_attribute("tr[data-rule] a", "href")
        page.click("tr[data-rule] a")
        page.select_option("#f-enabled", "false")
        page.click("#ubah form[method=post] button[type=submit]")
        page.wait_for_selector('#history tr[data-rev="1"]')
        assert page.inner_text('[data-field="enabled"]') == "nonaktif"
        page.screenshot(path=str(artifacts / "admin-config-rule.png"), full_page=True)
        assert blocked == []
    code = first.rsplit("/", 1)[1]
    assert CoachingRule.head(code).enabled is False and CoachingRule.head(code).changed_by == "admin.konfig"
