"""The SKM report laid out as people read it: an A4 PDF (reportlab) and an XLSX workbook
(openpyxl), in Bahasa Indonesia or English. Lays out only what
:func:`.skm_report_data.build` returned; reads nothing itself.
"""
from __future__ import annotations

import io
import re
from collections.abc import Mapping
from xml.sax.saxutils import escape

from shared.domain import skm
from shared.domain.periods import kind_of
from shared.platform.pdf import fonts

from services.aggregator.presentation.charts import number, score_bars
from services.aggregator.presentation.skm_report_data import PROFILE_KEYS

PROFILE_LABELS = skm.PROFILE_TITLES
CHANNEL_LABELS = {"web": ("Formulir web / QR", "Web form / QR"), "kiosk": ("Kios", "Kiosk"), "api": ("API", "API")}
NOT_STATED = ("Tidak diisi", "Not stated")
STATUS_LABELS = {"rencana": ("Direncanakan", "Planned"), "berjalan": ("Sedang berjalan", "In progress"),
                 "selesai": ("Selesai", "Done"), "batal": ("Dibatalkan", "Cancelled")}
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
    "pemda_title": ("Laporan Survei Kepuasan Masyarakat (SKM) Pemerintah Daerah",
                    "Public Satisfaction Survey (SKM) Report of the Regional Government"),
    "pemda_scope": ("Seluruh unit pelayanan (IKM gabungan)", "Every service unit (combined IKM)"),
    "conduct": ("Pelaksanaan survei", "How the survey was run"),
    "dates": ("Tanggal survei", "Survey dates"),
    "method": ("Metode", "Method"),
    "method_text": ("Kuesioner SKM PermenPAN-RB 14/2017: sembilan unsur, jawaban a–d bernilai 1–4, diisi sendiri "
                    "oleh pengguna layanan melalui formulir web/QR, kios dan API (saluran di bawah); NRR per unsur = "
                    "jumlah nilai / jumlah yang menjawab; sampel minimal menurut tabel Krejcie-Morgan.",
                    "The SKM questionnaire of PermenPAN-RB 14/2017: nine elements, answers a–d scored 1–4, filled in "
                    "by service users on the web form/QR, kiosks and the API (channels below); NRR per element = sum "
                    "/ those who answered; minimum sample from the Krejcie-Morgan table."),
    "population": ("Populasi (pengguna layanan)", "Population (service users)"),
    "target": ("Target sampel (Krejcie-Morgan)", "Sample target (Krejcie-Morgan)"),
    "achieved": ("Sampel tercapai", "Sample achieved"),
    "conversion": ("Tabel konversi nilai (PermenPAN-RB 14/2017)", "Conversion table (PermenPAN-RB 14/2017)"),
    "perception": ("Nilai persepsi", "Perception value"), "interval": ("Nilai interval konversi (IKM)", "IKM interval"),
    "previous": ("Perbandingan dengan periode sebelumnya", "Comparison with the previous period"),
    "change": ("Perubahan", "Change"),
    "plans": ("Rencana tindak lanjut (RTL)", "Follow-up plan (RTL)"),
    "complaints": ("Penanganan pengaduan (unsur U8)", "Complaint handling (element U8)"),
    "c_received": ("Tiket diterima", "Tickets received"),
    "c_verified": ("Diverifikasi tepat waktu", "Verified in time"),
    "c_answered": ("Dijawab tepat waktu", "Answered in time"),
    "c_median": ("Median hari kerja sampai dijawab", "Median working days to an answer"),
    "c_open": ("Masih terbuka (terlambat)", "Still open (overdue)"), "c_u8": ("NRR unsur U8", "NRR of element U8"),
    "no_plans": ("Belum ada rencana tindak lanjut untuk periode ini.", "No follow-up plan for this period yet."),
    "kegiatan": ("Kegiatan", "Action"), "waktu": ("Waktu", "Time frame"),
    "pj": ("Penanggung jawab", "Responsible"), "status": ("Status", "Status"), "evidence": ("Bukti", "Evidence"),
    "unsur_short": ("Unsur", "Element"), "unsur_mutu": ("Mutu", "Grade"),
    "followup": ("Hasil tindak lanjut periode sebelumnya", "Outcome of the previous period's plan"),
    "followup_none": ("Tidak ada rencana tindak lanjut pada {period}.", "No follow-up plan in {period}."),
    "opd_ranking": ("Peringkat OPD (IKM gabungan)", "OPD ranking (combined IKM)"),
    "unit_ranking": ("Peringkat unit", "Unit ranking"),
    "rank": ("Peringkat", "Rank"), "units_mean": ("Rata-rata IKM unit", "Mean of units' IKM"),
    "under_target": ("di bawah target sampel", "under sample target"),
    "chart_nrr": ("NRR per unsur (1–4)", "NRR per element (1–4)"),
    "chart_profile": ("Profil responden: {category}", "Respondents: {category}"),
    "knowing": ("Mengetahui,", "Acknowledged by,"),
    "sum": ("Jumlah nilai", "Sum of answers"), "answered": ("Jumlah penjawab", "Answered by"),
    "nrr_exact": ("NRR (perhitungan tepat)", "NRR (exact computation)"),
    "nrr_formula": ("NRR (rumus)", "NRR (formula)"),
    "formula_note": ("Kolom rumus menghitung ulang NRR, SKM dan IKM dari jumlah nilai dan jumlah penjawab (untuk "
                     "auditor); angka resmi adalah hasil perhitungan tepat.",
                     "The formula columns recompute NRR, SKM and IKM from the sums and counts (for an auditor); the "
                     "official figures are those of the exact computation."),
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
    return skm.profile_answer_label(value, lang)


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


def complaint_rows(report: Mapping, lang: str) -> list[tuple[str, str]]:
    """The unit's complaint handling beside its U8, as label and value."""
    c = report["complaints"]

    def share(s: Mapping) -> str:
        return f"{number(s['percent'], 1, lang)} % ({s['done']}/{s['of']})" if s["percent"] is not None else "–"

    u8 = (report.get("result") or {}).get("nrr", {}).get("U8")
    return [(label("c_u8", lang), number(u8, 2, lang) if u8 is not None else "–"),
            (label("c_received", lang), str(c["received"])), (label("c_verified", lang), share(c["verified_in_time"])),
            (label("c_answered", lang), share(c["answered_in_time"])),
            (label("c_median", lang), number(c["median_days_to_answer"], 1, lang)
             if c["median_days_to_answer"] is not None else "–"),
            (label("c_open", lang), f"{c['backlog']} ({c['overdue']})")]


def date_label(iso: str, lang: str = "id") -> str:
    """``2026-11-30`` as ``30 November 2026``."""
    names = MONTHS_EN if lang == "en" else MONTHS_ID
    return f"{int(iso[8:10])} {names[int(iso[5:7]) - 1]} {iso[:4]}"


def _status(code: str, lang: str) -> str:
    return label_pair(STATUS_LABELS.get(code, (code, code)), lang)


def scope_name(report: Mapping, lang: str) -> str:
    if report.get("scope") == "pemda":
        return label("pemda_scope", lang)
    name = report["unit_name_en"] if lang == "en" else report["unit_name"]
    return f"{name} ({report['unit']})"


def conduct_rows(report: Mapping, lang: str) -> list[tuple[str, str]]:
    """How the survey was run: period and dates, method, population, target and achieved sample."""
    result = report["result"]
    sample = result.get("sample") or {}
    dates = report.get("dates") or {}
    channels = ", ".join(f"{label_pair(CHANNEL_LABELS.get(c, (c, c)), lang)} {n}"
                         for c, n in sorted((report.get("channels") or {}).items())) or "–"
    return [
        (label("period", lang), f"{period_label(report['period'], lang)} ({report['period']})"),
        (label("dates", lang), f"{date_label(dates['start'], lang)} – {date_label(dates['end'], lang)}"
         if dates else "–"),
        (label("method", lang), label("method_text", lang)),
        (label("channel", lang), channels),
        (label("population", lang), str(sample["population"]) if sample.get("population") else
         label("sample_none", lang)),
        (label("target", lang), str(sample["target"]) if sample.get("target") is not None else "–"),
        (label("achieved", lang), f"{result['respondents']}" + (
            f" ({label('sample_ok' if sample.get('adequate') else 'sample_low', lang)})"
            if sample.get("target") is not None else "")),
    ]


def previous_rows(report: Mapping, lang: str) -> list[list[str]]:
    """Header and rows comparing the period with the previous one: respondents, IKM, mutu, NRR."""
    before = report.get("previous") or {}
    result = report["result"]
    if not before:
        return []
    header = ["", period_label(before["period"], lang), period_label(report["period"], lang), label("change", lang)]
    rows = [header,
            [label("respondents", lang), str(before["respondents"]), str(result["respondents"]),
             str(result["respondents"] - before["respondents"])],
            ["IKM", number(before["ikm"], 2, lang), number(result["ikm"], 2, lang), number(before["change"], 2, lang)],
            [label("mutu", lang), (before.get("grade") or {}).get("mutu") or "–",
             (result.get("grade") or {}).get("mutu") or "–", ""]]
    for u in report["unsur"]:
        was, now = (before.get("nrr") or {}).get(u["code"]), u["nrr"]
        change = round(now - was, 4) if now is not None and was is not None else None
        rows.append([f"{u['code']} {u['name_en'] if lang == 'en' else u['name']}", number(was, 4, lang),
                     number(now, 4, lang), number(change, 4, lang)])
    return rows


def _nrr_chart(report: Mapping, lang: str) -> bytes:
    items = [(f"{u['code']} {u['name_en'] if lang == 'en' else u['name']}", u["nrr"]) for u in report["unsur"]]
    return score_bars(items, title=label("chart_nrr", lang), empty=label("no_data", lang), low=1, high=4,
                      axis_label="NRR", marks=(2.6, 3.0644, 3.5324), lang=lang, places=2, png=True)


def _profile_chart(report: Mapping, key: str, lang: str) -> bytes | None:
    rows = report["profile"].get(key) or []
    if not rows:
        return None
    items = [(_value_label(r["value"], lang), float(r["count"])) for r in rows]
    top = max(n for _, n in items)
    title = label("chart_profile", lang).format(category=label_pair(PROFILE_LABELS[key], lang))
    return score_bars(items, title=title, empty="", low=0, high=max(top, 1), axis_label=label("count", lang),
                      lang=lang, places=0, png=True)


def to_pdf(report: Mapping, lang: str = "id", kop: Mapping | None = None) -> bytes:
    """An A4 PDF of the report (reportlab), as units publish it: the kop with the Pemda's name
    and logo, how the survey was run, the summary, the conversion table, NRR per unsur with a
    chart, the respondents' profile with charts, the previous period, results per service (or
    the OPD ranking), priorities, the follow-up plan and the previous plan's outcome, comments,
    and the sign-off block."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        HRFlowable,
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    kop = kop or {}
    regular, bold = fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#4a4a4a"))
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=15, leading=19, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=body, fontName=bold, fontSize=11.5, leading=15, spaceBefore=10, spaceAfter=4,
                        keepWithNext=1)  # a section heading never ends a page alone
    kop_style = ParagraphStyle("kop", parent=body, fontName=bold, fontSize=13, leading=16)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11)
    result = report["result"]
    pemda = report.get("scope") == "pemda"
    section = iter(range(1, 30))

    def p(text, style=cell):
        return Paragraph(escape(str(text)), style)

    def heading(key):
        title = re.sub(r"^\d+\.\s*", "", label(key, lang))   # numbered here, in the order they appear
        return Paragraph(escape(f"{next(section)}. {title}"), h2)

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

    def image(data: bytes, width_mm: float):
        from reportlab.lib.utils import ImageReader
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
        return Image(io.BytesIO(data), width=width_mm * mm, height=width_mm * mm * h / w)

    # kop: the Pemda's logo and name, the unit, a rule
    kop_text = [p((kop.get("name") or "").upper(), kop_style), p(scope_name(report, lang), body)]
    logo = None
    if kop.get("logo"):
        try:
            logo = image(kop["logo"], 18)
        except Exception:  # an unreadable logo file leaves the logo out, never the report
            logo = None
    story: list = [Table([[logo or "", kop_text]], colWidths=[22 * mm, 152 * mm],
                         style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
                   HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=2, spaceAfter=8),
                   Paragraph(escape(label("pemda_title" if pemda else "title", lang)), h1),
                   p(f"{label('unit', lang)}: {scope_name(report, lang)}", body),
                   p(f"{label('period', lang)}: {period_label(report['period'], lang)} ({report['period']})", body),
                   p(label("basis", lang), small)]

    story.append(heading("conduct"))
    story.append(table([[p(k), p(v)] for k, v in conduct_rows(report, lang)], [55 * mm, 119 * mm], header=False))

    story.append(heading("summary"))
    rows = summary_rows(report, lang)
    if pemda:
        rows.append((label("units_mean", lang), number(result.get("ikm_units_mean"), 2, lang)))
    story.append(table([[p(k), p(v)] for k, v in rows], [75 * mm, 99 * mm], header=False))
    if not result["respondents"]:
        story += [Spacer(1, 4), p(label("no_data", lang), body)]

    story.append(heading("conversion"))
    data = [[p(label("perception", lang)), p(label("interval", lang)), p(label("mutu", lang)),
             p(label("kinerja", lang))]]
    data += [[c["skm"], c["ikm"], c["mutu"], p(c["kinerja_en"] if lang == "en" else c["kinerja"])]
             for c in report.get("conversion") or []]
    story.append(KeepTogether(table(data, [40 * mm, 50 * mm, 25 * mm, 59 * mm])))

    story.append(heading("nrr"))
    data = [[p(label("no", lang)), p(label("element", lang)), "NRR", p(label("weight", lang)),
             p(label("weighted", lang))]]
    for i, u in enumerate(report["unsur"], 1):
        name = u["name_en"] if lang == "en" else u["name"]
        data.append([str(i), p(f"{u['code']} {name}"),
                     number(u["nrr"], 4, lang) if u["nrr"] is not None else label("not_answered", lang),
                     number(u["weight"], 4, lang), number(u["weighted"], 4, lang)])
    data.append(["", p(label("total", lang)), "", "", number(result["skm"], 4, lang)])
    story.append(table(data, [10 * mm, 85 * mm, 25 * mm, 20 * mm, 34 * mm], numeric_cols=(2, 3, 4)))
    story.append(Spacer(1, 4))
    story.append(p(f"IKM = {worked(result, lang)} × 25 = {number(result['ikm'], 2, lang)}", body))
    story.append(p(f"{label('weighting', lang)}: {weighting_text(result, lang)}", body))
    if result["respondents"]:
        story += [Spacer(1, 4), image(_nrr_chart(report, lang), 165)]

    story.append(heading("profile"))
    total = result["respondents"]
    for key in PROFILE_KEYS:
        rows_ = report["profile"].get(key) or []
        if not rows_:
            continue
        data = [[p(label_pair(PROFILE_LABELS[key], lang)), p(label("count", lang)), p(label("share", lang))]]
        data += [[p(_value_label(r["value"], lang)), str(r["count"]), _share(r["count"], total, lang)] for r in rows_]
        chart = _profile_chart(report, key, lang)
        parts = [table(data, [50 * mm, 18 * mm, 18 * mm], numeric_cols=(1, 2))]
        story += [KeepTogether(Table([[parts[0], image(chart, 84) if chart else ""]], colWidths=[88 * mm, 86 * mm],
                                     style=[("VALIGN", (0, 0), (-1, -1), "TOP")])), Spacer(1, 4)]

    story.append(heading("previous"))
    data = previous_rows(report, lang)
    if data:
        story.append(table([[p(c) for c in data[0]]] + data[1:], [80 * mm, 32 * mm, 32 * mm, 30 * mm],
                           numeric_cols=(1, 2, 3)))

    if pemda:
        story.append(heading("opd_ranking"))
        data = [[p(label("rank", lang)), "OPD", p(label("respondents", lang)), "IKM", p(label("unsur_mutu", lang)),
                 p(label("units_mean", lang))]]
        for r in report.get("opd") or []:
            name = (r.get("name_en") if lang == "en" else r.get("name")) or r["unit"]
            mark = f" ({label('under_target', lang)})" if r.get("under_target") else ""
            data.append([str(r["rank"] or "–"), p(f"{name}{mark}"), str(r["respondents"]), number(r["ikm"], 2, lang),
                         (r.get("grade") or {}).get("mutu") or "–", number(r.get("ikm_units_mean"), 2, lang)])
        story.append(table(data, [20 * mm, 66 * mm, 22 * mm, 18 * mm, 14 * mm, 34 * mm], numeric_cols=(0, 2, 3, 5)))
        story.append(heading("unit_ranking"))
        data = [[p(label("rank", lang)), p(label("unit", lang)), "OPD", p(label("respondents", lang)), "IKM",
                 p(label("unsur_mutu", lang))]]
        for r in report.get("units") or []:
            name = (r.get("name_en") if lang == "en" else r.get("name")) or r["unit"]
            mark = f" ({label('under_target', lang)})" if r.get("under_target") else ""
            data.append([str(r["rank"] or "–"), p(f"{name}{mark}"), p(r.get("opd") or ""), str(r["respondents"]),
                         number(r["ikm"], 2, lang), (r.get("grade") or {}).get("mutu") or "–"])
        story.append(table(data, [20 * mm, 70 * mm, 28 * mm, 22 * mm, 18 * mm, 16 * mm], numeric_cols=(0, 3, 4)))
    elif report["services"]:
        story.append(heading("services"))
        data = [[p(label("service", lang)), p(label("respondents", lang)), "IKM", p(label("mutu", lang))]]
        data += [[p(f"{(s['name_en'] if lang == 'en' else s['name'])} ({s['service']})"), str(s["respondents"]),
                  number(s["ikm"], 2, lang), (s["grade"] or {}).get("mutu") or "–"] for s in report["services"]]
        story.append(table(data, [94 * mm, 30 * mm, 25 * mm, 25 * mm], numeric_cols=(1, 2)))

    story.append(heading("priorities"))
    if report["priorities"]:
        data = [[p(label("no", lang)), p(label("element", lang)), "NRR"]]
        data += [[str(i), p(f"{x['code']} {x['name_en'] if lang == 'en' else x['name']}"), number(x["nrr"], 4, lang)]
                 for i, x in enumerate(report["priorities"], 1)]
        story.append(table(data, [10 * mm, 134 * mm, 30 * mm], numeric_cols=(2,)))
    else:
        story.append(p(label("no_data", lang), body))

    if report.get("complaints"):
        story.append(heading("complaints"))
        story.append(table([[p(a), p(b)] for a, b in complaint_rows(report, lang)], [110 * mm, 64 * mm], header=False))

    story.append(heading("plans"))
    story.append(_plans_table(report.get("plans") or [], lang, p, table, mm, pemda) if report.get("plans")
                 else p(label("no_plans", lang), body))
    followup = report.get("followup") or {}
    if not pemda:
        story.append(heading("followup"))
        if followup.get("plans"):
            story.append(_plans_table(followup["plans"], lang, p, table, mm, False))
            data = [[p(label("element", lang)), period_label(followup["period"], lang),
                     period_label(report["period"], lang), p(label("change", lang))]]
            data += [[p(c["unsur"]), number(c["before"], 4, lang), number(c["after"], 4, lang),
                      number(c["change"], 4, lang)] for c in followup["comparison"]]
            story += [Spacer(1, 4), table(data, [70 * mm, 35 * mm, 35 * mm, 34 * mm], numeric_cols=(1, 2, 3))]
        else:
            story.append(p(label("followup_none", lang).format(
                period=period_label(followup.get("period") or report["period"], lang)), body))

    story.append(heading("comments"))
    if report["comments"]:
        if report["comments_total"] > len(report["comments"]):
            story.append(p(label("comments_shown", lang).format(shown=len(report["comments"]),
                                                                 total=report["comments_total"]), small))
        data = [[p(label("period", lang)), p(label("service", lang)), p(label("comments", lang)[3:])]]
        data += [[c["date"], p(c["service"] or "–"), p(c["text"])] for c in report["comments"]]
        story.append(table(data, [25 * mm, 30 * mm, 119 * mm]))
    else:
        story.append(p(label("no_comments", lang), body))

    # sign-off: date (in the configured zone: generated_at carries it), "Mengetahui, Kepala ...", name, NIP
    signoff = report.get("signoff") or {}
    title = (signoff.get("title_en") if lang == "en" else signoff.get("title")) or ""
    lines = [p(date_label(report["generated_at"][:10], lang), body), p(label("knowing", lang), body), p(title, body),
             Spacer(1, 18 * mm), p(signoff.get("name") or "(................................................)", body),
             p(f"NIP. {signoff['nip']}" if signoff.get("nip") else "NIP. ..................................", body)]
    story += [Spacer(1, 10), KeepTogether(Table([["", lines]], colWidths=[94 * mm, 80 * mm]))]

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


def _plans_table(plans, lang, p, table, mm, with_unit):
    data = [[p(label("kegiatan", lang)), p(label("unsur_short", lang)), p(label("waktu", lang)), p(label("pj", lang)),
             p(label("status", lang)), p(label("evidence", lang))]]
    for x in plans:
        evidence = " ".join(v for v in (x.get("evidence_note"), x.get("evidence_url")) if v) or "–"
        what = f"{x['unit']}: {x['kegiatan']}" if with_unit else x["kegiatan"]
        data.append([p(what), p(", ".join(x["unsur"])), p(x["waktu"]), p(x["penanggung_jawab"]),
                     p(_status(x["status"], lang)), p(evidence)])
    return table(data, [44 * mm, 15 * mm, 23 * mm, 28 * mm, 29 * mm, 35 * mm])


def _weight_cell(report: Mapping, code: str) -> str | float:
    """The weight an auditor's formula uses: the regulation's =1/9, or the unit's as written."""
    weighting = report["result"].get("weighting") or {"kind": "equal"}
    if weighting["kind"] != "custom":
        return "=1/9"
    text = (weighting.get("weights") or {}).get(code, "0")
    return f"={text}" if "/" in text else float(text)


def to_xlsx(report: Mapping, lang: str = "id", kop: Mapping | None = None) -> bytes:
    """The report as a workbook: summary (with the kop, how the survey was run, the previous
    period and the sign-off), unsur with the counts and formulas that recompute NRR, SKM and IKM,
    the conversion table, profile, services or the OPD ranking, the RTL, comments (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    kop = kop or {}
    result = report["result"]
    pemda = report.get("scope") == "pemda"
    book = Workbook()
    ws = book.active
    ws.title = "Ringkasan" if lang != "en" else "Summary"
    ws.append([(kop.get("name") or "").upper()])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([label("pemda_title" if pemda else "title", lang)])
    ws["A2"].font = Font(bold=True, size=12)
    ws.append([label("unit", lang), scope_name(report, lang)])
    for k, v in conduct_rows(report, lang):
        ws.append([k, v])
    ws.append([])
    grade = result.get("grade") or {}
    ws.append([label("respondents", lang), result["respondents"]])
    ws.append([label("skm", lang), result["skm"]])
    ws.append([label("ikm", lang), result["ikm"]])
    ws.append([label("mutu", lang), grade.get("mutu")])
    ws.append([label("kinerja", lang), grade.get("kinerja_en") if lang == "en" else grade.get("kinerja")])
    ws.append([label("sample", lang), _sample_text(result, lang)])
    ws.append([label("weighting", lang), weighting_text(result, lang)])
    if pemda:
        ws.append([label("units_mean", lang), result.get("ikm_units_mean")])
    ws.append([label("generated", lang), report["generated_at"]])
    signoff = report.get("signoff") or {}
    ws.append([])
    ws.append([label("knowing", lang), (signoff.get("title_en") if lang == "en" else signoff.get("title"))])
    ws.append(["", signoff.get("name")])
    ws.append(["", f"NIP. {signoff['nip']}" if signoff.get("nip") else None])
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 60

    ws = book.create_sheet("Unsur" if lang != "en" else "Elements")
    ws.append(["code", label("element", lang), label("sum", lang), label("answered", lang), label("nrr_exact", lang),
               label("nrr_formula", lang), label("weight", lang), label("weighted", lang)])
    totals = report.get("totals") or {"sums": {}, "counts": {}}
    for i, u in enumerate(report["unsur"], 2):
        ws.append([u["code"], u["name_en"] if lang == "en" else u["name"], totals["sums"].get(u["code"], 0),
                   totals["counts"].get(u["code"], 0), u["nrr"], f'=IF(D{i}>0,C{i}/D{i},"")',
                   _weight_cell(report, u["code"]), f"=IF(D{i}>0,F{i}*G{i},0)"])
    last = 1 + len(report["unsur"])
    ws.append([None, label("total", lang), None, None, result["skm"], None, None,
               f'=IF(SUMIF(D2:D{last},">0",G2:G{last})>0,SUM(H2:H{last})/SUMIF(D2:D{last},">0",G2:G{last}),"")'])
    ws.append([None, "IKM", None, None, result["ikm"], None, None, f'=IF(H{last + 1}="","",ROUND(H{last + 1}*25,2))'])
    ws.append([])
    ws.append([label("formula_note", lang)])
    ws.append([])
    ws.append([label("priorities", lang)[3:]])
    for x in report["priorities"]:
        ws.append([x["code"], x["name_en"] if lang == "en" else x["name"], x["nrr"]])
    ws.column_dimensions["B"].width = 44
    for col in "CDEFGH":
        ws.column_dimensions[col].width = 16

    ws = book.create_sheet("Perbandingan" if lang != "en" else "Comparison")
    ws.append([label("previous", lang)])
    for row in previous_rows(report, lang):
        ws.append(row)
    ws.column_dimensions["A"].width = 44

    ws = book.create_sheet("Konversi" if lang != "en" else "Conversion")
    ws.append([label("perception", lang), label("interval", lang), label("mutu", lang), label("kinerja", lang)])
    for c in report.get("conversion") or []:
        ws.append([c["skm"], c["ikm"], c["mutu"], c["kinerja_en"] if lang == "en" else c["kinerja"]])

    ws = book.create_sheet("Profil" if lang != "en" else "Profile")
    ws.append([label("category", lang), label("count", lang)])
    for key in PROFILE_KEYS:
        for r in report["profile"].get(key) or []:
            ws.append([f"{label_pair(PROFILE_LABELS[key], lang)}: {_value_label(r['value'], lang)}", r["count"]])
    for c, n in sorted(report["channels"].items()):
        ws.append([f"{label('channel', lang)}: {label_pair(CHANNEL_LABELS.get(c, (c, c)), lang)}", n])
    ws.column_dimensions["A"].width = 40

    if pemda:
        ws = book.create_sheet("OPD")
        ws.append([label("rank", lang), "code", "OPD", label("respondents", lang), "IKM", label("mutu", lang),
                   label("units_mean", lang), label("under_target", lang)])
        for r in report.get("opd") or []:
            ws.append([r["rank"], r["unit"], r.get("name"), r["respondents"], r["ikm"],
                       (r.get("grade") or {}).get("mutu"), r.get("ikm_units_mean"), r.get("under_target")])
        ws = book.create_sheet("Unit")
        ws.append([label("rank", lang), "code", label("unit", lang), "OPD", label("respondents", lang), "IKM",
                   label("mutu", lang), label("under_target", lang)])
        for r in report.get("units") or []:
            ws.append([r["rank"], r["unit"], r.get("name"), r.get("opd"), r["respondents"], r["ikm"],
                       (r.get("grade") or {}).get("mutu"), r.get("under_target")])
    else:
        ws = book.create_sheet("Layanan" if lang != "en" else "Services")
        ws.append(["code", label("service", lang), label("respondents", lang), "IKM", label("mutu", lang)])
        for s in report["services"]:
            ws.append([s["service"], s["name_en"] if lang == "en" else s["name"], s["respondents"], s["ikm"],
                       (s["grade"] or {}).get("mutu")])

    if report.get("complaints"):
        ws = book.create_sheet("Pengaduan" if lang != "en" else "Complaints")
        for name, value in complaint_rows(report, lang):
            ws.append([name, value])

    ws = book.create_sheet("RTL")
    ws.append([label("period", lang), label("unit", lang), label("kegiatan", lang), label("element", lang),
               label("waktu", lang), label("pj", lang), label("status", lang), label("evidence", lang)])
    followup = report.get("followup") or {}
    for period, plans in ((report["period"], report.get("plans") or []),
                          (followup.get("period"), followup.get("plans") or [])):
        for x in plans:
            ws.append([period, x["unit"], x["kegiatan"], ", ".join(x["unsur"]), x["waktu"], x["penanggung_jawab"],
                       _status(x["status"], lang),
                       " ".join(v for v in (x.get("evidence_note"), x.get("evidence_url")) if v)])
            for column in range(3, 9):
                ws.cell(row=ws.max_row, column=column).data_type = "s"  # people's text is never a formula
    if followup.get("comparison"):
        ws.append([])
        ws.append([label("followup", lang)])
        ws.append([label("element", lang), followup["period"], report["period"], label("change", lang)])
        for c in followup["comparison"]:
            ws.append([c["unsur"], c["before"], c["after"], c["change"]])

    ws = book.create_sheet("Saran" if lang != "en" else "Comments")
    ws.append(["date", label("service", lang), label("comments", lang)[3:], label("unit", lang)])
    for c in report["comments"]:
        ws.append([c["date"], c["service"], c["text"], c.get("unit")])
        ws.cell(row=ws.max_row, column=3).data_type = "s"  # citizens' text is never a formula
    ws.column_dimensions["C"].width = 90

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
