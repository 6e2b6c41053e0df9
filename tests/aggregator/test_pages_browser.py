"""The aggregator's pages in headless Chromium against real gunicorn: an evaluator logs in and
reads the dashboard, whose numbers equal the API's; the public results page on a phone shows
the public API's numbers, switches to English and names nobody; neither reports a
Content-Security-Policy violation. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import pytest
import requests

from shared.platform.auth import issue_token

from tests.aggregator.conftest import PASSWORD
from tests.support.browser import browser, csp_violations

pytestmark = pytest.mark.browser


def number(text: str) -> float:
    return float(text.strip().replace(",", "."))


@pytest.fixture(scope="module")
def server(world, tmp_path_factory):
    from tests.conftest import ARTIFACTS
    from tests.support.processes import Services
    services = Services(world.settings, ARTIFACTS / "logs" / "aggregator-pages")
    try:
        yield services.web("aggregator", workers=1, threads=4)
    finally:
        services.stop_all()


@pytest.fixture(scope="module")
def api_get(world, server):
    headers = {"Authorization": f"Bearer {issue_token(world.settings, sub='browser-test', roles=['evaluator'])}"}

    def get(path: str):
        response = requests.get(server.url + path, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return response
    return get


def test_an_evaluator_reads_the_dashboard_and_its_numbers_are_the_apis(server, api_get, world, artifacts):
    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="id-ID")
        page = context.new_page()
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url))
        blocked = csp_violations(page)
        page.goto(f"{server.url}/dashboard?period=2026-11")
        assert "/login" in page.url
        page.fill("#username", "tim.evaluasi")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{server.url}/dashboard?period=2026-11")
        assert "Dasbor evaluasi" in page.inner_text("h1")

        for row in api_get("/api/v1/indicators/units?period=2026-11").json()["items"]:
            shown = page.locator(f'#units tr[data-unit="{row["unit"]}"]')
            assert number(shown.locator('[data-field="ikm"]').inner_text()) == row["ikm"]
            assert int(shown.locator('[data-field="respondents"]').inner_text()) == row["respondents"]
            assert shown.locator('[data-field="mutu"]').inner_text().strip() == row["grade"]["mutu"]
        for row in api_get("/api/v1/indicators/services?period=2026-11").json()["items"]:
            shown = page.locator(f'#services tr[data-unit="{row["unit"]}"][data-service="{row["service"]}"]')
            assert number(shown.locator('[data-field="ikm"]').inner_text()) == row["ikm"]
        released = {r["nip"]: r
                    for r in api_get("/api/v1/indicators/peer?period=2026-Q4").json()["items"]}[world.released]
        assert number(page.inner_text(f'#peer tr[data-nip="{world.released}"] [data-field="mean"]')) == released["mean"]
        for case in api_get("/api/v1/cases?status=open").json():
            assert page.locator(f'#coaching tr[data-case="{case["case_id"]}"]').count() == 1

        page.wait_for_function("() => Array.from(document.querySelectorAll('img.chart'))"
                               ".every(i => i.complete && i.naturalWidth > 100)")
        assert page.locator("img.chart").count() == 5
        page.screenshot(path=str(artifacts / "aggregator-dashboard.png"), full_page=True)

        download = page.request.get(server.url + page.get_attribute("#csv-units", "href"))
        assert download.ok and download.body() == api_get("/api/v1/indicators/units?period=2026-11&format=csv").content

        page.select_option("#f-unit", "DISDUK")
        page.click("#apply")
        page.wait_for_url("**unit=DISDUK**")
        (row,) = api_get("/api/v1/indicators/units?period=2026-11&unit=DISDUK").json()["items"]
        shown = page.eval_on_selector_all("#unsur tr[data-unsur]", "rs => rs.map(r => r.dataset.unsur)")
        assert shown[:3] == row["lowest_unsur"]
        assert page.locator('#units tr[data-unit="RSUD"]').count() == 0

        pdf = page.request.get(server.url + page.get_attribute('#units tr[data-unit="DISDUK"] a.report-pdf', "href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

        page.goto(f"{server.url}/dashboard?period=2026-11&lang=en")
        assert "Evaluation dashboard" in page.inner_text("h1")
        page.wait_for_function("() => Array.from(document.querySelectorAll('img.chart')).every(i => i.complete)")
        page.screenshot(path=str(artifacts / "aggregator-dashboard-en.png"), full_page=True)
        assert all(url.startswith(server.url) for url in seen), [u for u in seen if not u.startswith(server.url)]
        assert blocked == []
        context.close()


def test_the_public_results_page_on_a_phone(server, world, artifacts):
    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                       has_touch=True, locale="id-ID")
        page = context.new_page()
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url))
        blocked = csp_violations(page)
        page.goto(f"{server.url}/results?period=2026-11")
        assert "Hasil Survei Kepuasan Masyarakat" in page.inner_text("h1")
        for code in ("DISDUK", "RSUD"):
            body = requests.get(f"{server.url}/api/v1/public/units/{code}?period=2026-11", timeout=30).json()
            item = page.locator(f'li.unit[data-unit="{code}"]')
            assert number(item.locator('[data-field="ikm"]').inner_text()) == body["ikm"]
            assert item.locator('[data-field="mutu"]').inner_text() == body["grade"]["mutu"]
            assert int(item.locator('[data-field="respondents"]').inner_text()) == body["respondents"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")   # no sideways scrolling
        page.screenshot(path=str(artifacts / "public-results-phone.png"), full_page=True)

        page.click('li.unit[data-unit="DISDUK"] a')
        page.wait_for_selector("tr[data-unsur]")
        assert page.locator("tr[data-unsur]").count() == 9
        page.screenshot(path=str(artifacts / "public-results-unit-phone.png"), full_page=True)

        page.click("text=English")
        page.wait_for_url("**lang=en**")
        assert "Civil Registry Office" in page.inner_text("h1")
        page.goto(f"{server.url}/results?period=2026-11")            # the choice is remembered
        assert "Public Satisfaction Survey results" in page.inner_text("h1")
        page.screenshot(path=str(artifacts / "public-results-phone-en.png"), full_page=True)

        html = page.content() + page.inner_text("body")
        for who, name in world.people.items():
            assert who not in html and name not in html
        assert all(url.startswith(server.url) for url in seen)
        assert blocked == []
        context.close()


def test_the_pemda_publishes_its_semester_from_the_browser(server, world, api_get, artifacts):
    """The unit head records the RTL on its page; the evaluation team reads the semester's
    ranking and the Pemda index on the dashboard and downloads the Pemda's and the unit's
    reports, which carry the plan."""
    import io

    import pypdfium2 as pdfium

    def log_in(page, username, then):
        page.goto(f"{server.url}{then}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"**{then}")

    def pdf_text(data: bytes) -> str:
        pdf = pdfium.PdfDocument(io.BytesIO(data))
        text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        return " ".join(text.split())   # table cells wrap their text over lines

    with browser() as chromium:
        head = chromium.new_context(locale="id-ID").new_page()
        blocked = csp_violations(head)
        log_in(head, "kasi.layanan", "/rtl/DISDUK?period=2026-S2")
        head.fill("#n-kegiatan", "Menambah petugas loket KTP pada jam sibuk")
        head.fill("#n-waktu", "Januari-Maret 2027")
        head.fill("#n-pj", "Kepala Seksi Pelayanan")
        head.click("#tambah button[type=submit]")
        head.wait_for_selector("text=Menambah petugas loket KTP pada jam sibuk")

        page = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="id-ID").new_page()
        blocked += csp_violations(page)
        log_in(page, "tim.evaluasi", "/dashboard?period=2026-S2")
        rollup = api_get("/api/v1/public/rollup?period=2026-S2").json()
        assert number(page.inner_text('#rollup [data-field="pemda-ikm"]')) == rollup["pemda"]["ikm"]
        assert "Menambah petugas loket KTP" in page.inner_text("#plans")
        page.screenshot(path=str(artifacts / "aggregator-dashboard-semester.png"), full_page=True)
        pemda = page.request.get(server.url + page.get_attribute("#pemda-report-pdf", "href"))
        assert pemda.ok and pemda.headers["content-type"] == "application/pdf"
        text = pdf_text(pemda.body())
        assert "Peringkat OPD" in text and "Menambah petugas loket KTP" in text and "Semester II 2026" in text
        unit = page.request.get(server.url + page.get_attribute('#units tr[data-unit="DISDUK"] a.report-pdf', "href"))
        assert unit.ok and "Menambah petugas loket KTP" in pdf_text(unit.body())
        xlsx = page.request.get(server.url + page.get_attribute("#pemda-report-xlsx", "href"))
        assert xlsx.ok and xlsx.body()[:2] == b"PK"
        assert blocked == []
