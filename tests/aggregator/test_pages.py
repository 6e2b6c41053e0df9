"""The aggregator's pages without a browser: login and roles, the dashboard's numbers and
downloads against the API, the SKM report (PDF, XLSX), the public results page, bad inputs."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.aggregator.conftest import COMMENTS, log_in, unique_user

pytestmark = pytest.mark.integration


def number(text: str) -> float:
    """A number as a page shows it in Bahasa Indonesia (``86,11``)."""
    return float(text.strip().replace(",", "."))


def cell(html: str, row_attr: str, field: str) -> str:
    row = re.search(rf'<tr {row_attr}[^>]*>(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.search(rf'data-field="{field}"[^>]*>(.*?)</td>', row, re.S).group(1)).strip()


# -- who may see what -----------------------------------------------------------------------------

def test_the_dashboard_needs_an_evaluator_or_admin_login(app):
    client = app.test_client()
    first = client.get("/dashboard?period=2026-11")
    assert first.status_code == 302 and "/login?next=/dashboard" in first.headers["Location"]
    log_in(client, "kasi.layanan")                                      # a supervisor
    assert client.get("/dashboard").status_code == 403
    assert client.get("/reports/skm/DISDUK.pdf").status_code == 403
    admin = app.test_client()
    log_in(admin, "admin.pemda")
    assert admin.get("/dashboard").status_code == 200


def test_the_api_token_is_not_a_page_login_and_the_cookie_is_not_an_api_login(app, api, evaluator):
    assert app.test_client().get("/dashboard", headers=api.headers).status_code == 302
    assert evaluator.get("/api/v1/reports/skm/DISDUK").status_code == 401


# -- the dashboard shows the API's numbers -------------------------------------------------------------

def test_dashboard_tables_show_the_apis_numbers(evaluator, api, world):
    page = evaluator.get("/dashboard?period=2026-11").text
    for row in api("/api/v1/indicators/units?period=2026-11")["items"]:
        attr = f'data-unit="{row["unit"]}"'
        assert int(cell(page, attr, "respondents")) == row["respondents"]
        assert number(cell(page, attr, "ikm")) == row["ikm"]
        assert row["grade"]["mutu"] in cell(page, attr, "mutu")
    for row in api("/api/v1/indicators/services?period=2026-11")["items"]:
        attr = f'data-unit="{row["unit"]}" data-service="{row["service"]}"'
        assert number(cell(page, attr, "ikm")) == row["ikm"]
    peer = {r["nip"]: r for r in api("/api/v1/indicators/peer?period=2026-Q4")["items"]}
    assert number(cell(page, f'data-nip="{world.released}"', "mean")) == peer[world.released]["mean"]
    assert "3" in cell(page, f'data-nip="{world.withheld}"', "withheld") or "2/3" in page   # withheld, not shown
    cases = api("/api/v1/cases?status=open")
    assert cases and any(c["subject"] == world.low_officer for c in cases)
    for case in cases:
        assert f'data-case="{case["case_id"]}"' in page
    assert world.people[world.low_officer] in page                      # evaluators see who needs coaching


def test_the_nine_unsur_come_lowest_first(evaluator, api):
    page = evaluator.get("/dashboard?period=2026-11&unit=DISDUK").text
    shown = re.findall(r'data-unsur="(U\d)"', page)
    (row,) = api("/api/v1/indicators/units?period=2026-11&unit=DISDUK")["items"]
    assert sorted(shown) == sorted(row["nrr"]) and len(shown) == 9
    values = [row["nrr"][c] for c in shown]
    assert values == sorted(values)


def test_filters_narrow_every_section(evaluator):
    page = evaluator.get("/dashboard?period=2026-11&unit=DISDUK&service=KTP").text
    assert 'data-unit="RSUD"' not in page
    assert 'data-service="KK"' not in page and 'data-service="KTP"' in page


def test_every_chart_is_an_svg_and_its_data_a_csv(evaluator, api):
    for name in ("units", "services", "trend", "unsur", "peer"):
        chart = evaluator.get(f"/dashboard/charts/{name}.svg?period=2026-11")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml", name
        assert chart.data.startswith(b"<?xml") and b"<svg" in chart.data
    assert b"DISDUK" in evaluator.get("/dashboard/charts/units.svg?period=2026-11").data
    download = evaluator.get("/dashboard/data/units.csv?period=2026-11")
    assert download.mimetype == "text/csv" and "attachment" in download.headers["Content-Disposition"]
    same = api.client.get("/api/v1/indicators/units?period=2026-11&format=csv", headers=api.headers)
    assert download.data == same.data                                   # the chart's data is the API's export
    trend = list(csv.DictReader(io.StringIO(evaluator.get("/dashboard/data/trend.csv?period=2026-11").text)))
    assert {(r["period"], r["unit"]) for r in trend} == {("2026-09", "RSUD"), ("2026-10", "DISDUK"),
                                                         ("2026-11", "DISDUK"), ("2026-11", "RSUD")}
    one = list(csv.DictReader(io.StringIO(evaluator.get("/dashboard/data/trend.csv?period=2026-11&unit=RSUD").text)))
    assert [r["period"] for r in one] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    october = api("/api/v1/indicators/units?period=2026-10&unit=DISDUK")["items"][0]
    assert [float(r["ikm"]) for r in trend if r["period"] == "2026-10" and r["unit"] == "DISDUK"] == [october["ikm"]]
    coaching = evaluator.get("/dashboard/data/coaching.csv").text
    assert "evidence." in coaching.splitlines()[0]


def test_bad_filters_give_a_page_for_people_and_field_errors_for_downloads(evaluator):
    page = evaluator.get("/dashboard?period=2026-13")
    assert page.status_code == 422 and "period" in page.text and "<html" in page.text
    assert evaluator.get("/dashboard?unit=TIDAK-ADA").status_code == 422
    for path in ("/dashboard/charts/units.svg?period=bulan-lalu", "/dashboard/data/units.csv?unit=TIDAK-ADA",
                 "/dashboard/data/units.csv?service=NOPE"):
        r = evaluator.get(path)
        assert r.status_code == 422 and r.json["code"] == "validation_error" and r.json["errors"], path
    unknown = evaluator.get("/dashboard/charts/pie.svg")
    assert unknown.status_code == 404 and "chart" in unknown.json["errors"]
    assert evaluator.get("/reports/skm/TIDAK-ADA.pdf").json["errors"] == {"unit": ["unit tidak dikenal / unknown unit"]}
    assert evaluator.get("/reports/skm/DISDUK.doc").status_code == 404
    assert evaluator.get("/reports/skm/DISDUK.pdf?period=2026-Q5").status_code == 422


# -- the SKM report -------------------------------------------------------------------------------------

def test_the_report_data_is_the_apis_unit_row_with_profile_priorities_and_comments(api):
    report = api("/api/v1/reports/skm/DISDUK?period=2026-11")
    (row,) = api("/api/v1/indicators/units?period=2026-11&unit=DISDUK")["items"]
    assert report["result"] == row
    assert [p["code"] for p in report["priorities"]] == row["lowest_unsur"]
    assert report["profile"]["sex"] == [{"value": "P", "count": row["respondents"]}]
    assert sorted(c["text"] for c in report["comments"]) == sorted(COMMENTS[:3])   # DISDUK's; the 4th is RSUD's
    weighted = sum(u["weighted"] for u in report["unsur"] if u["weighted"] is not None)
    assert abs(weighted - row["skm"]) < 0.0005                          # the weighted NRR add up to the SKM


def test_the_pdf_report_renders_and_shows_the_apis_ikm(api, artifacts):
    import pypdfium2 as pdfium

    (row,) = api("/api/v1/indicators/units?period=2026-11&unit=DISDUK")["items"]
    r = api.client.get("/api/v1/reports/skm/DISDUK?period=2026-11&format=pdf", headers=api.headers)
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(r.data)
    image = pdf[0].render(scale=1.5).to_pil()
    image.save(artifacts / "skm-report-page1.png")
    assert image.size[0] > 800 and image.convert("L").getextrema() == (0, 255)      # not a blank page
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    ikm = f"{row['ikm']:.2f}".replace(".", ",")
    assert "Nilai IKM (konversi, 25–100)" in text and ikm in text
    assert f"{row['skm']:.4f}".replace(".", ",") + " × 25 = " + ikm in text
    assert "<script>alert('x')</script> toilet kotor" in text                       # shown as text
    assert "Pelayanan ramah" not in text                                           # RSUD's comment


def test_the_xlsx_report_reads_back(evaluator, api):
    (row,) = api("/api/v1/indicators/units?period=2026-11&unit=DISDUK")["items"]
    r = evaluator.get("/reports/skm/DISDUK.xlsx?period=2026-11")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(r.data))
    summary = {k: v for k, v, *_ in book["Ringkasan"].iter_rows(values_only=True) if k}
    assert summary["Nilai IKM (konversi, 25–100)"] == row["ikm"]
    assert summary["Mutu pelayanan"] == row["grade"]["mutu"]
    comments = [c.value for c in book["Saran"]["C"][1:]]
    formula = next(c for c in book["Saran"]["C"][1:] if c.value.startswith("=HYPERLINK"))
    assert formula.data_type == "s" and len(comments) == 3                          # text, never a formula


def test_a_report_of_a_unit_without_respondents_still_renders(api):
    r = api.client.get("/api/v1/reports/skm/KEC-SUKAMAJU?period=2026-11&format=pdf&lang=en", headers=api.headers)
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert api.client.get("/api/v1/reports/skm/NOWHERE", headers=api.headers).status_code == 404


# -- the public page ------------------------------------------------------------------------------------

def test_the_public_page_shows_the_public_apis_numbers(app):
    client = app.test_client()
    page = client.get("/results?period=2026-11").text
    for code in ("DISDUK", "RSUD"):
        body = client.get(f"/api/v1/public/units/{code}?period=2026-11").json
        item = re.search(rf'data-unit="{code}">(.*?)</li>', page, re.S).group(1)
        assert number(re.search(r'data-field="ikm">([^<]+)<', item).group(1)) == body["ikm"]
        assert re.search(r'data-field="mutu">([^<]+)<', item).group(1) == body["grade"]["mutu"]
        assert int(re.search(r'data-field="respondents">([^<]+)<', item).group(1)) == body["respondents"]
    assert 'data-unit="KEC-SUKAMAJU"' in page and "Belum ada responden" in page
    detail = client.get("/results/DISDUK?period=2026-11").text
    assert 'name="viewport"' in detail and detail.count("data-unsur=") == 9


def test_the_public_page_never_shows_an_employee(app, world):
    client = app.test_client()
    pages = [client.get(path).text for path in (
        "/results?period=2026-11", "/results?period=2026-Q4&lang=en", "/results/DISDUK?period=2026-11",
        "/results/RSUD?period=2026-11&lang=en", "/results/DISDUK?period=2026")]
    for html in pages:
        for who, name in world.people.items():
            assert who not in html and name not in html
            assert name.split()[-1] not in html                           # not even a surname
        for comment in COMMENTS:
            assert comment[:20] not in html                               # nor what citizens wrote


def test_the_public_page_speaks_english_on_request(app):
    client = app.test_client()
    assert "Hasil Survei Kepuasan Masyarakat" in client.get("/results").text
    english = client.get("/results?lang=en&period=2026-11")
    assert "Public Satisfaction Survey results" in english.text and "Civil Registry Office" in english.text


def test_bad_public_requests_get_a_friendly_page(app):
    client = app.test_client()
    bad = client.get("/results?period=kemarin")
    assert bad.status_code == 422 and "<html" in bad.text
    missing = client.get("/results/TIDAK-ADA")
    assert missing.status_code == 404 and "<html" in missing.text
    assert client.get("/").headers["Location"].endswith("/results")


# -- web login throttling ---------------------------------------------------------------------------

def test_five_wrong_passwords_block_the_login_until_the_window_passes(app, world):
    from shared.records.users import WebUser, hash_password
    name = unique_user()
    WebUser.save_revision(name, {"password_hash": hash_password("benar-sekali-123"), "roles": ["evaluator"]},
                          at=world.clock.now(), by="test")
    client = app.test_client()
    for _ in range(5):
        assert log_in(client, name, "salah-sekali-123").status_code == 401
    blocked = log_in(client, name, "benar-sekali-123")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan" in blocked.text
    other = app.test_client()
    assert log_in(other, "tim.evaluasi").status_code == 302              # other users are not blocked
    world.clock.advance(minutes=16)
    try:
        assert log_in(client, name, "benar-sekali-123").status_code == 302
    finally:
        world.clock.advance(minutes=-16)


def test_a_success_clears_earlier_failures(app, world):
    from shared.records.users import WebUser, hash_password
    name = unique_user()
    WebUser.save_revision(name, {"password_hash": hash_password("benar-sekali-123"), "roles": ["evaluator"]},
                          at=world.clock.now(), by="test")
    client = app.test_client()
    for _ in range(4):
        log_in(client, name, "salah-sekali-123")
    assert log_in(client, name, "benar-sekali-123").status_code == 302
    for _ in range(4):
        assert log_in(app.test_client(), name, "salah-sekali-123").status_code == 401
    assert log_in(app.test_client(), name, "benar-sekali-123").status_code == 302
