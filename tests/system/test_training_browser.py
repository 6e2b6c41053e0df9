"""The programme report in headless Chromium (real gunicorn and database), under the
Content-Security-Policy and axe-core, from the dashboard's training ranking; its PDF and XLSX.
Screenshot: tests/artifacts/screenshots/training-report.png."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
import requests

from shared.platform.clock import SystemClock
from shared.records.directory import Employee, Unit
from shared.records.trainings import TrainingProgramme
from shared.records.users import WebUser, hash_password

from services.aggregator.pipeline.worker import IndicatorWorker
from tests.notifier.conftest import batch_of
from tests.support import axe
from tests.support.aggregator import skm_event
from tests.support.browser import browser, csp_violations

pytestmark = pytest.mark.browser


def test_training_report_page_pdf_and_xlsx(fresh_settings, processes, artifacts):
    settings = replace(fresh_settings)
    now = SystemClock().now()
    Unit.save_revision("LOKET", {"name": "Loket Terpadu"}, at=now, by="t")
    trained, others = [f"1987010120120110{n:02d}" for n in range(3)], [f"1986010120120110{n:02d}" for n in range(3)]
    for nip in trained + others:
        Employee.save_revision(nip, {"name": nip[-4:], "unit": "LOKET"}, at=now, by="t")
    TrainingProgramme.save_revision("prima-2026", {"name": "Pelayanan prima <b>", "start": "2026-05-11",
                                                   "end": "2026-05-15", "participants": trained, "unsur": ["U7"]},
                                    at=now, by="t")
    before_after = [(2, 4), (2, 3), (3, 4), (2, 2), (3, 3), (2, 3)]
    events = [skm_event("LOKET", score, officer=nip, period=month)
              for nip, (b, a) in zip(trained + others, before_after, strict=True)
              for month, score in (("2026-02", b), ("2026-03", b), ("2026-04", b), ("2026-06", a), ("2026-07", a),
                                   ("2026-08", a)) for _ in range(4)]
    IndicatorWorker(settings, decisions=False).handle(batch_of(*events, topic="responses"))
    WebUser.save_revision("evaluasi.pelatihan", {"password_hash": hash_password("rahasia-sekali"),
                                                 "roles": ["evaluator"]}, at=now, by="t")
    aggregator = processes(settings).web("aggregator")
    shots = artifacts / "screenshots"
    shots.mkdir(exist_ok=True)
    with browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        blocked = csp_violations(page)
        page.goto(f"{aggregator.url}/login")
        page.fill("#username", "evaluasi.pelatihan")
        page.fill("#password", "rahasia-sekali")
        page.click("button[type=submit]")
        page.goto(f"{aggregator.url}/dashboard?period=2026-06")
        row = page.locator("#trainings tr[data-training='prima-2026']")
        assert "25,00" in row.locator("[data-field=effect]").inner_text()      # the effect, with its interval
        row.locator("a").click()
        assert page.locator("h1").inner_text() == "Pelayanan prima <b>"       # text, never markup
        assert "data-field" in page.content() and "25,00" in page.locator(
            "#level4 tr[data-indicator='officer_index'] [data-field=effect]").inner_text()
        assert page.locator("[data-field=reaction-withheld]").count() == 1     # no answers yet: nothing shown
        assert axe.violations(page) == []
        page.screenshot(path=str(shots / "training-report.png"), full_page=True)
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert blocked == []
    pdf = requests.get(f"{aggregator.url}/pelatihan/prima-2026.pdf", cookies=cookies, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from openpyxl import load_workbook
    xlsx = requests.get(f"{aggregator.url}/pelatihan/prima-2026.xlsx", cookies=cookies, timeout=10)
    cells = [c.value for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row]
    assert "officer_index" in cells and "Pelayanan prima <b>" in cells
