"""Pure parts of the evaluation pages: charts, trend periods and series, peer means, period
options, the public cut of a unit row, and the SKM report's layout (PDF and XLSX)."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from shared.domain import skm

from services.aggregator.presentation import charts, dashboard, skm_report_layout
from services.aggregator.queries import publication

pytestmark = pytest.mark.unit


def svg_text(data: bytes) -> str:
    root = ET.fromstring(data)                                            # well-formed XML
    assert root.tag.endswith("svg")
    return " ".join(t for t in root.itertext())


def test_ikm_bars_label_each_unit_with_its_value_and_grade():
    text = svg_text(charts.ikm_bars([("DISDUK", 86.11, "B"), ("RSUD", 60.5, "D"), ("BARU", None, None)],
                                    title="IKM per unit", empty="kosong"))
    assert "DISDUK" in text and "86,11 (B)" in text and "60,50 (D)" in text and "BARU" in text


def test_ikm_bars_are_coloured_by_grade():
    data = charts.ikm_bars([("A1", 95.0, "A"), ("D1", 40.0, "D")], title="t", empty="e").decode()
    assert charts.GRADE_COLOURS["A"] in data and charts.GRADE_COLOURS["D"] in data
    assert charts.GRADE_COLOURS["B"] not in data


def test_charts_without_data_say_so():
    assert "Belum ada data" in svg_text(charts.ikm_bars([], title="t", empty="Belum ada data"))
    assert "Belum ada data" in svg_text(charts.trend_lines({"X": [("2026-10", None)]}, title="t",
                                                           empty="Belum ada data"))
    assert "kosong" in svg_text(charts.score_bars([("U1", None)], title="t", empty="kosong", low=1, high=4,
                                                  axis_label="NRR"))


def test_charts_are_deterministic_and_english_uses_points():
    rows = [("DISDUK", 86.11, "B")]
    assert charts.ikm_bars(rows, title="t", empty="e") == charts.ikm_bars(rows, title="t", empty="e")
    assert "86.11 (B)" in svg_text(charts.ikm_bars(rows, title="t", empty="e", lang="en"))


@pytest.mark.parametrize("value, places, lang, text", [(86.1149, 2, "id", "86,11"), (3.44444, 4, "en", "3.4444"),
                                                       (None, 2, "id", "–")])
def test_numbers_are_written_the_way_the_reader_reads_them(value, places, lang, text):
    assert charts.number(value, places, lang) == text


def test_trend_periods_go_back_by_the_same_kind():
    assert dashboard.trend_periods("2026-02") == ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
    assert dashboard.trend_periods("2026-Q1") == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert dashboard.trend_periods("2026") == ["2024", "2025", "2026"]


def test_trend_series_leave_gaps_where_nobody_answered():
    rows = [{"period": "2026-10", "unit": "A", "respondents": 0, "ikm": None},
            {"period": "2026-11", "unit": "A", "respondents": 4, "ikm": 80.0},
            {"period": "2026-10", "unit": "B", "respondents": 2, "ikm": 70.0}]
    series = dashboard.trend_series(rows, ["2026-10", "2026-11"])
    assert series == {"A": [("2026-10", None), ("2026-11", 80.0)], "B": [("2026-10", 70.0), ("2026-11", None)]}


def test_peer_means_count_released_results_only():
    released = {"released": True, "values": {c: {"mean": 4.0} for c in dashboard.VALUE_NAMES}}
    other = {"released": True, "values": {c: {"mean": 3.0} for c in dashboard.VALUE_NAMES}}
    withheld = {"released": False, "raters": 2, "min_raters": 3}
    means = dict(dashboard.peer_value_means([released, other, withheld]))
    assert means["BO"] == 3.5 and len(means) == 7
    assert dict(dashboard.peer_value_means([withheld]))["BO"] is None


def test_period_options_cover_a_year_and_keep_an_older_choice():
    options = dashboard.period_choices("2026-11", "2026-11")
    assert options[0] == "2026-11" and "2025-12" in options and "2026-Q4" in options and "2024" in options
    assert dashboard.period_choices("2026-11", "2019-03")[0] == "2019-03"


def test_the_public_cut_keeps_unit_fields_only():
    row = {"unit": "X", "period": "2026-11", "respondents": 3, "nrr": {}, "skm": 3.0, "ikm": 75.0,
           "grade": {"mutu": "C"}, "lowest_unsur": [], "sample": {"population": None, "target": None, "adequate": None},
           "weights": "equal", "officers": {"199001012015011001": {}}}
    assert set(publication.public_row(row)) == {"unit", "period", "respondents", "nrr", "skm", "ikm", "grade",
                                                "lowest_unsur"}
    row["sample"] = {"population": 100, "target": 80, "adequate": False}
    assert publication.public_row(row)["sample"]["target"] == 80


def test_period_labels():
    assert skm_report_layout.period_label("2026-11") == "November 2026"
    assert skm_report_layout.period_label("2026-Q4") == "Triwulan IV 2026"
    assert skm_report_layout.period_label("2026-Q4", "en") == "Q4 2026"
    assert skm_report_layout.period_label("2026", "en") == "Year 2026"
    assert skm_report_layout.period_label("2026-S2") == "Semester II 2026"
    assert skm_report_layout.period_label("2026-S1", "en") == "H1 2026"


def synthetic_report() -> dict:
    totals = skm.Totals()
    for value in (4, 3, 3):
        totals.add({c: value for c in skm.UNSUR_CODES if c != "U4"})
    row = {"unit": "DISDUK", "period": "2026-11", **skm.evaluate(totals), "weights": "equal",
           "sample": {"population": 100, "target": 80, "adequate": False}}
    unsur = [{"code": c, "name": n, "name_en": e, "nrr": row["nrr"][c], "weight": row["unsur_weights"][c],
              "weighted": row["unsur_weighted"][c]} for c, n, e, _, _ in skm.UNSUR]
    return {"unit": "DISDUK", "unit_name": "Dinas Kependudukan", "unit_name_en": "Civil Registry", "period": "2026-11",
            "generated_at": "2026-11-23T03:00:00+00:00", "result": row, "unsur": unsur,
            "priorities": [{"code": c, "name": c, "name_en": c, "nrr": row["nrr"][c]} for c in row["lowest_unsur"]],
            "profile": {"sex": [{"value": "P", "count": 2}, {"value": None, "count": 1}]}, "channels": {"kiosk": 3},
            "services": [],
            "comments": [{"date": "2026-11-10", "service": None, "text": "Ruang tunggu <b>panas</b> & sempit"},
                         {"date": "2026-11-11", "service": "KTP", "text": "@SUM(A1:A9)"}],
            "comments_total": 2}


def test_weights_of_an_unanswered_unsur_are_spread_over_the_others():
    report = synthetic_report()
    weights = [u["weight"] for u in report["unsur"]]
    assert weights[3] is None and sum(w for w in weights if w) == pytest.approx(1.0)
    # each weighted NRR is rounded on its own (half a unit of the 4th decimal at most), the total
    # is the exact SKM rounded once: they may differ by the items' rounding, never more
    assert sum(u["weighted"] for u in report["unsur"] if u["weighted"]) == \
        pytest.approx(report["result"]["skm"], abs=8 * 0.00005)


def test_the_pdf_lays_out_the_numbers_and_the_comments_as_text():
    import pypdfium2 as pdfium

    report = synthetic_report()
    pdf = pdfium.PdfDocument(skm_report_layout.to_pdf(report))
    text = pdf[0].get_textpage().get_text_range()
    assert "83,33" in text and "Baik" in text and "tidak dijawab" in text          # IKM (10/3 x 25) and U4
    assert "Ruang tunggu <b>panas</b> & sempit" in "\n".join(p.get_textpage().get_text_range() for p in pdf)
    english = pdfium.PdfDocument(skm_report_layout.to_pdf(report, "en"))
    assert "83.33" in english[0].get_textpage().get_text_range()


def test_the_workbook_keeps_comments_as_text():
    book = load_workbook(io.BytesIO(skm_report_layout.to_xlsx(synthetic_report())))
    assert {"Ringkasan", "Unsur", "Profil", "Layanan", "Saran"} <= set(book.sheetnames)
    cells = list(book["Saran"]["C"][1:])
    assert [c.value for c in cells] == ["Ruang tunggu <b>panas</b> & sempit", "@SUM(A1:A9)"]
    assert all(c.data_type == "s" for c in cells)


def test_the_worked_line_shows_the_digits_that_decide_the_rounding_and_the_weighting():
    import pypdfium2 as pdfium

    report = synthetic_report()
    report["result"]["skm_worked"] = "3.06419"     # exact 3.06419...: x 25 = 76.60475, shown 76.60
    report["result"]["ikm"] = 76.60
    text = "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(skm_report_layout.to_pdf(report)))
    assert "IKM = 3,06419 × 25 = 76,60" in text.replace("\r", "")
    assert "Pembobotan: sama, 1/9 per unsur" in text
    report["result"]["weighting"] = {"kind": "custom", "weights": {"U1": "0.2"}, "reason": "renovasi gedung"}
    book = load_workbook(io.BytesIO(skm_report_layout.to_xlsx(report, "en")))
    rows = {r[0].value: r[1].value for r in book.worksheets[0].iter_rows() if r[0].value}
    assert "reason: renovasi gedung" in rows["Weighting"] and "not the equal weights" in rows["Weighting"]
