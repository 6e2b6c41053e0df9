"""The SKM report laid out as people read it: an A4 PDF (reportlab) and an XLSX workbook
(openpyxl), in Bahasa Indonesia or English. Lays out only what
:func:`.skm_report_data.build` returned; reads nothing itself.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from shared.domain.periods import kind_of

from services.aggregator.presentation.charts import number
from services.aggregator.presentation.skm_report_data import PROFILE_KEYS

PROFILE_LABELS = {"age_band": ("Usia", "Age"), "sex": ("Jenis kelamin", "Sex"),
                  "education": ("Pendidikan", "Education"), "occupation": ("Pekerjaan", "Occupation")}
VALUE_LABELS = {"L": ("Laki-laki", "Male"), "P": ("Perempuan", "Female"), "swasta": ("Swasta", "Private sector"),
                "wirausaha": ("Wirausaha", "Self-employed"), "pelajar-mahasiswa": ("Pelajar/Mahasiswa", "Student"),
                "lainnya": ("Lainnya", "Other"), "TNI-Polri": ("TNI/Polri", "Military/Police")}
CHANNEL_LABELS = {"web": ("Formulir web / QR", "Web form / QR"), "kiosk": ("Kios", "Kiosk"), "api": ("API", "API")}
NOT_STATED = ("Tidak diisi", "Not stated")
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
             "November", "Desember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")

LABELS = {
    "title": ("Laporan Survei Kepuasan Masyarakat (SKM)", "Public Satisfaction Survey (SKM) Report"),
    "basis": ("Disusun menurut Peraturan Menteri PANRB Nomor 14 Tahun 2017.",
              "Prepared according to Regulation of the Minister of PANRB No. 14 of 2017."),
    "unit": ("Unit pelayanan", "Service unit"),
    "period": ("Periode", "Period"),
    "summary": ("1. Ringkasan hasil", "1. Summary of results"),
    "respondents": ("Jumlah responden", "Respondents"),
    "skm": ("Nilai SKM (persepsi, 1–4)", "SKM value (perception, 1–4)"),
    "ikm": ("Nilai IKM (konversi, 25–100)", "IKM value (converted, 25–100)"),
    "mutu": ("Mutu pelayanan", "Service quality"),
    "kinerja": ("Kinerja unit pelayanan", "Performance of the service unit"),
    "sample": ("Kecukupan sampel (Krejcie-Morgan)", "Sample adequacy (Krejcie-Morgan)"),
    "sample_ok": ("cukup", "adequate"), "sample_low": ("kurang", "too small"),
    "sample_none": ("populasi belum diisi", "no population configured"),
    "profile": ("2. Profil responden", "2. Respondent profile"),
    "category": ("Kategori", "Category"), "count": ("Jumlah", "Count"), "share": ("Persen", "Share"),
    "channel": ("Saluran", "Channel"),
    "nrr": ("3. Nilai rata-rata (NRR) per unsur", "3. Average value (NRR) per element"),
    "no": ("No", "No"), "element": ("Unsur pelayanan", "Service element"), "weight": ("Bobot", "Weight"),
    "weighted": ("NRR tertimbang", "Weighted NRR"), "total": ("Jumlah (nilai SKM)", "Total (SKM value)"),
    "not_answered": ("tidak dijawab", "not answered"),
    "weighting": ("Pembobotan", "Weighting"),
    "weighting_equal": ("sama, 1/9 per unsur (PermenPAN-RB 14/2017)",
                        "equal, 1/9 per element (PermenPAN-RB 14/2017)"),
    "weighting_custom": ("bobot khusus unit, bukan bobot sama menurut PermenPAN-RB 14/2017; alasan: {reason}",
                         "the unit's own weights, not the equal weights of PermenPAN-RB 14/2017; reason: {reason}"),
    "services": ("4. Hasil per jenis layanan", "4. Results per service"),
    "service": ("Jenis layanan", "Service"),
    "priorities": ("5. Prioritas perbaikan (unsur dengan NRR terendah)", "5. Improvement priorities (lowest NRR)"),
    "comments": ("6. Saran dan masukan responden", "6. Respondents' comments and suggestions"),
    "no_comments": ("Tidak ada saran atau masukan pada periode ini.", "No comments in this period."),
    "comments_shown": ("{shown} dari {total} saran ditampilkan (terbaru).",
                       "{shown} of {total} comments shown (newest)."),
    "no_data": ("Belum ada responden pada periode ini.", "No respondents in this period yet."),
    "generated": ("Dibuat", "Generated"),
    "page": ("Halaman", "Page"),
    "none": ("–", "–"),
}


def weighting_text(result: dict, lang: str) -> str:
    """Equal weights, or the unit's own with the admin's reason: always disclosed."""
    weighting = result.get("weighting") or {"kind": "equal"}
    if weighting["kind"] == "equal":
        return label("weighting_equal", lang)
    weights = ", ".join(f"{c} {w}" for c, w in (weighting.get("weights") or {}).items())
    return label("weighting_custom", lang).format(reason=weighting.get("reason") or "–") + f" ({weights})"


def worked(result: dict, lang: str) -> str:
    """The exact SKM the IKM was computed from, with the digits that decide its rounding."""
    text = result.get("skm_worked") or "–"
    return text.replace(".", ",") if lang == "id" else text


def label(key: str, lang: str) -> str:
    text_id, text_en = LABELS[key]
    return text_en if lang == "en" else text_id


def period_label(period: str, lang: str = "id") -> str:
    """``November 2026``, ``Triwulan IV 2026`` / ``Q4 2026``, ``Semester II 2026`` / ``H2 2026``,
    ``Tahun 2026`` / ``Year 2026``."""
    kind = kind_of(period)
    if kind == "month":
        names = MONTHS_EN if lang == "en" else MONTHS_ID
        return f"{names[int(period[5:]) - 1]} {period[:4]}"
    if kind == "quarter":
        q = int(period[-1])
        return f"Q{q} {period[:4]}" if lang == "en" else f"Triwulan {'I II III IV'.split()[q - 1]} {period[:4]}"
    if kind == "semester":
        half = int(period[-1])
        return f"H{half} {period[:4]}" if lang == "en" else f"Semester {'I II'.split()[half - 1]} {period[:4]}"
    return f"Year {period}" if lang == "en" else f"Tahun {period}"


FILE_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _value_label(value: str | None, lang: str) -> str:
    if value is None:
        return label_pair(NOT_STATED, lang)
    return label_pair(VALUE_LABELS[value], lang) if value in VALUE_LABELS else value


def label_pair(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _share(count: int, total: int, lang: str) -> str:
    return number(100 * count / total, 1, lang) + " %" if total else "–"


def _sample_text(result: Mapping, lang: str) -> str:
    sample = result.get("sample") or {}
    if not sample.get("population"):
        return label("sample_none", lang)
    verdict = label("sample_ok" if sample["adequate"] else "sample_low", lang)
    return f"{result['respondents']} / {sample['target']} ({verdict}; N = {sample['population']})"


def summary_rows(report: Mapping, lang: str) -> list[tuple[str, str]]:
    result = report["result"]
    grade = result.get("grade") or {}
    return [
        (label("respondents", lang), str(result["respondents"])),
        (label("skm", lang), number(result["skm"], 4, lang)),
        (label("ikm", lang), number(result["ikm"], 2, lang)),
        (label("mutu", lang), grade.get("mutu") or "–"),
        (label("kinerja", lang), (grade.get("kinerja_en") if lang == "en" else grade.get("kinerja")) or "–"),
        (label("sample", lang), _sample_text(result, lang)),
    ]


_FONTS: tuple[str, str] | None = None


def _fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib) covers the scripts citizens type in comments;
    the PDF base fonts would print boxes for anything outside Latin-1."""
    global _FONTS
    if _FONTS is None:
        import matplotlib
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(base / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(base / "DejaVuSans-Bold.ttf")))
        _FONTS = ("DejaVuSans", "DejaVuSans-Bold")
    return _FONTS


def to_pdf(report: Mapping, lang: str = "id") -> bytes:
    """An A4 PDF of the report (reportlab)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#4a4a4a"))
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=15, leading=19, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    result = report["result"]

    def p(text, style=cell):
        return Paragraph(escape(str(text)), style)

    def table(rows, widths, header=True, numeric_cols=()):
        t = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
        style = [("FONTNAME", (0, 0), (-1, -1), regular), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                 ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d0d6")),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if header:
            style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f5f7")),
                      ("FONTNAME", (0, 0), (-1, 0), bold)]
        for col in numeric_cols:
            style.append(("ALIGN", (col, 0), (col, -1), "RIGHT"))
        t.setStyle(TableStyle(style))
        return t

    unit_name = report["unit_name_en"] if lang == "en" else report["unit_name"]
    story = [Paragraph(escape(label("title", lang)), h1),
             p(f"{label('unit', lang)}: {unit_name} ({report['unit']})", body),
             p(f"{label('period', lang)}: {period_label(report['period'], lang)} ({report['period']})", body),
             p(label("basis", lang), small),
             Paragraph(escape(label("summary", lang)), h2)]
    story.append(table([[p(k), p(v)] for k, v in summary_rows(report, lang)], [75 * mm, 95 * mm], header=False))
    if not result["respondents"]:
        story += [Spacer(1, 4), p(label("no_data", lang), body)]

    story.append(Paragraph(escape(label("profile", lang)), h2))
    total = result["respondents"]
    for key in PROFILE_KEYS:
        rows = report["profile"].get(key) or []
        if not rows:
            continue
        data = [[p(label_pair(PROFILE_LABELS[key], lang)), p(label("count", lang)), p(label("share", lang))]]
        data += [[p(_value_label(r["value"], lang)), str(r["count"]), _share(r["count"], total, lang)] for r in rows]
        story += [KeepTogether(table(data, [75 * mm, 30 * mm, 30 * mm], numeric_cols=(1, 2))), Spacer(1, 4)]
    if report["channels"]:
        data = [[p(label("channel", lang)), p(label("count", lang)), p(label("share", lang))]]
        data += [[p(label_pair(CHANNEL_LABELS.get(c, (c, c)), lang)), str(n), _share(n, total, lang)]
                 for c, n in sorted(report["channels"].items())]
        story.append(KeepTogether(table(data, [75 * mm, 30 * mm, 30 * mm], numeric_cols=(1, 2))))

    story.append(Paragraph(escape(label("nrr", lang)), h2))
    data = [[p(label("no", lang)), p(label("element", lang)), "NRR", p(label("weight", lang)),
             p(label("weighted", lang))]]
    for i, u in enumerate(report["unsur"], 1):
        name = u["name_en"] if lang == "en" else u["name"]
        data.append([str(i), p(f"{u['code']} {name}"),
                     number(u["nrr"], 4, lang) if u["nrr"] is not None else label("not_answered", lang),
                     number(u["weight"], 4, lang), number(u["weighted"], 4, lang)])
    data.append(["", p(label("total", lang)), "", "", number(result["skm"], 4, lang)])
    story.append(table(data, [10 * mm, 85 * mm, 25 * mm, 20 * mm, 30 * mm], numeric_cols=(2, 3, 4)))
    story.append(Spacer(1, 4))
    story.append(p(f"IKM = {worked(result, lang)} × 25 = {number(result['ikm'], 2, lang)}", body))
    story.append(p(f"{label('weighting', lang)}: {weighting_text(result, lang)}", body))

    if report["services"]:
        story.append(Paragraph(escape(label("services", lang)), h2))
        data = [[p(label("service", lang)), p(label("respondents", lang)), "IKM", p(label("mutu", lang))]]
        data += [[p(f"{(s['name_en'] if lang == 'en' else s['name'])} ({s['service']})"), str(s["respondents"]),
                  number(s["ikm"], 2, lang), (s["grade"] or {}).get("mutu") or "–"] for s in report["services"]]
        story.append(table(data, [90 * mm, 30 * mm, 25 * mm, 25 * mm], numeric_cols=(1, 2)))

    story.append(Paragraph(escape(label("priorities", lang)), h2))
    if report["priorities"]:
        data = [[p(label("no", lang)), p(label("element", lang)), "NRR"]]
        data += [[str(i), p(f"{x['code']} {x['name_en'] if lang == 'en' else x['name']}"), number(x["nrr"], 4, lang)]
                 for i, x in enumerate(report["priorities"], 1)]
        story.append(table(data, [10 * mm, 130 * mm, 30 * mm], numeric_cols=(2,)))
    else:
        story.append(p(label("no_data", lang), body))

    story.append(Paragraph(escape(label("comments", lang)), h2))
    if report["comments"]:
        if report["comments_total"] > len(report["comments"]):
            story.append(p(label("comments_shown", lang).format(shown=len(report["comments"]),
                                                                 total=report["comments_total"]), small))
        data = [[p(label("period", lang)), p(label("service", lang)), p(label("comments", lang)[3:])]]
        data += [[c["date"], p(c["service"] or "–"), p(c["text"])] for c in report["comments"]]
        story.append(table(data, [25 * mm, 30 * mm, 115 * mm]))
    else:
        story.append(p(label("no_comments", lang), body))

    footer = f"Tanggap · {report['unit']} · {report['period']} · {label('generated', lang)} {report['generated_at']}"

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.HexColor("#4a4a4a"))
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{label('page', lang)} {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=f"{label('title', lang)} – {report['unit']} {report['period']}",
                            author="Tanggap", subject="SKM", creator="Tanggap")
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def to_xlsx(report: Mapping, lang: str = "id") -> bytes:
    """The report as a workbook: summary, unsur, profile, services, comments (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    result = report["result"]
    book = Workbook()
    ws = book.active
    ws.title = "Ringkasan" if lang != "en" else "Summary"
    ws.append([label("title", lang)])
    ws["A1"].font = Font(bold=True, size=13)
    unit_name = report["unit_name_en"] if lang == "en" else report["unit_name"]
    ws.append([label("unit", lang), f"{unit_name} ({report['unit']})"])
    ws.append([label("period", lang), report["period"]])
    ws.append([])
    grade = result.get("grade") or {}
    ws.append([label("respondents", lang), result["respondents"]])
    ws.append([label("skm", lang), result["skm"]])
    ws.append([label("ikm", lang), result["ikm"]])
    ws.append([label("mutu", lang), grade.get("mutu")])
    ws.append([label("kinerja", lang), grade.get("kinerja_en") if lang == "en" else grade.get("kinerja")])
    ws.append([label("sample", lang), _sample_text(result, lang)])
    ws.append([label("weighting", lang), weighting_text(result, lang)])
    ws.append([label("generated", lang), report["generated_at"]])
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 48

    ws = book.create_sheet("Unsur" if lang != "en" else "Elements")
    ws.append(["code", label("element", lang), "NRR", label("weight", lang), label("weighted", lang)])
    for u in report["unsur"]:
        ws.append([u["code"], u["name_en"] if lang == "en" else u["name"], u["nrr"], u["weight"], u["weighted"]])
    ws.append([None, label("total", lang), None, None, result["skm"]])
    ws.append([None, "IKM", None, None, result["ikm"]])
    ws.append([])
    ws.append([label("priorities", lang)[3:]])
    for x in report["priorities"]:
        ws.append([x["code"], x["name_en"] if lang == "en" else x["name"], x["nrr"]])
    ws.column_dimensions["B"].width = 44

    ws = book.create_sheet("Profil" if lang != "en" else "Profile")
    ws.append([label("category", lang), label("count", lang)])
    for key in PROFILE_KEYS:
        for r in report["profile"].get(key) or []:
            ws.append([f"{label_pair(PROFILE_LABELS[key], lang)}: {_value_label(r['value'], lang)}", r["count"]])
    for c, n in sorted(report["channels"].items()):
        ws.append([f"{label('channel', lang)}: {label_pair(CHANNEL_LABELS.get(c, (c, c)), lang)}", n])
    ws.column_dimensions["A"].width = 40

    ws = book.create_sheet("Layanan" if lang != "en" else "Services")
    ws.append(["code", label("service", lang), label("respondents", lang), "IKM", label("mutu", lang)])
    for s in report["services"]:
        ws.append([s["service"], s["name_en"] if lang == "en" else s["name"], s["respondents"], s["ikm"],
                   (s["grade"] or {}).get("mutu")])

    ws = book.create_sheet("Saran" if lang != "en" else "Comments")
    ws.append(["date", label("service", lang), label("comments", lang)[3:]])
    for c in report["comments"]:
        ws.append([c["date"], c["service"], c["text"]])
        ws.cell(row=ws.max_row, column=3).data_type = "s"  # citizens' text is never a formula
    ws.column_dimensions["C"].width = 90

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
