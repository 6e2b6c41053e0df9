"""A training programme's report: its levels side by side (reaction, results against the
comparison group), as a page, a PDF and an XLSX workbook, and the dashboard's ranking of
programmes by their effect on the officer index."""
from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.domain import training
from shared.platform.config import Settings
from shared.records.trainings import TrainingProgramme

from services.aggregator.presentation.charts import number
from services.aggregator.queries import training_results
from services.aggregator.state import training_facts

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build(code: str, settings: Settings, now: datetime) -> dict[str, Any] | None:
    programme = TrainingProgramme.head(code)
    if programme is None:
        return None
    return {"code": programme.code, "name": programme.name, "competency": programme.competency,
            "organiser": programme.organiser, "start": programme.start, "end": programme.end,
            "unsur": list(programme.unsur or []), "participants": len(programme.participants or []),
            "referred": len(programme.referrals or {}), "reaction": training_facts.reaction(code, settings, now),
            "learning": training_facts.learning(code), "behaviour": training_facts.behaviour(code, settings, now),
            "results": training_results.level4(code)}


RANKED = 20   # the programmes the dashboard ranks: those that ended most recently (each reads months of state)


def ranking(settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """The most recently ended programmes with their reaction (overall) and their effect on the
    officer index, the largest effect first; programmes without enough data last."""
    rows = []
    for programme in sorted(TrainingProgramme.heads(), key=lambda p: p.end, reverse=True)[:RANKED]:
        report = build(programme.code, settings, now)
        if report is None:
            continue
        index: dict[str, Any] = next((r for r in report["results"]["indicators"]
                                      if r["indicator"] == "officer_index"), {})
        rows.append({"code": programme.code, "name": programme.name, "end": programme.end,
                     "participants": report["participants"], "reaction": report["reaction"], "effect": index})
    return sorted(rows, key=lambda r: (not r["effect"].get("enough"), -(r["effect"].get("effect") or 0), r["code"]))


def _rows(report: Mapping[str, Any], lang: str) -> list[list[str]]:
    en = lang == "en"
    out = [["Level 1: " + ("reaction" if en else "reaksi"), "", ""]]
    reaction = report["reaction"]
    if reaction.get("window_open"):
        out.append([("answers are still taken" if en else "jawaban masih diterima"), "", ""])
    elif reaction["released"]:
        names = {c: (e if en else i) for c, i, e in training.REACTION}
        out += [[names[c], number(v, 2, lang), f"n = {reaction['respondents']}"]
                for c, v in reaction["means"].items()]
    else:
        out.append([("not enough respondents" if en else "responden belum cukup"),
                    f"{reaction['respondents']}/{reaction['min_respondents']}", ""])
    learning = report["learning"]
    if learning["released"]:
        out.append([f"Level 2: {'learning' if en else 'pembelajaran'} (pre → post)",
                    f"{number(learning['pre'], 2, lang)} → {number(learning['post'], 2, lang)} "
                    f"({'+' if learning['gain'] >= 0 else ''}{number(learning['gain'], 2, lang)})",
                    f"n = {learning['participants']}"])
    else:
        out.append([f"Level 2: {'learning' if en else 'pembelajaran'}", "data belum cukup" if not en else
                    "not enough data", f"{learning['participants']}/{learning['min_respondents']}"])
    for role, answers in ((r, report["behaviour"][r]) for r in training.ROLES):
        label = {"alumnus": ("alumni", "alumni"), "supervisor": ("atasan", "supervisors")}[role][1 if en else 0]
        if answers["released"]:
            out += [[f"Level 3 ({label}): {code}", number(v, 2, lang), f"n = {answers['respondents']}"]
                    for code, v in answers["means"].items()]
        else:
            out.append([f"Level 3 ({label})", "data belum cukup" if not en else "not enough data",
                        f"{answers['respondents']}/{answers['min_respondents']}"])
    results = report["results"]
    out.append([f"Level 4: {'results' if en else 'hasil'} ({results['before'][0]}..{results['before'][1]} → "
                f"{results['after'][0]}..{results['after'][1]})", "", ""])
    for r in results["indicators"]:
        if r["enough"]:
            out.append([r["indicator"], f"{number(r['effect'], 2, lang)} [{number(r['ci95'][0], 2, lang)}; "
                                        f"{number(r['ci95'][1], 2, lang)}]",
                        f"{r['participants']} / {r['controls']}"])
        else:
            out.append([r["indicator"], "data belum cukup" if not en else "not enough data",
                        f"{r['participants']} / {r['controls']}"])
    return out


def to_xlsx(report: Mapping[str, Any], lang: str = "id") -> bytes:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Pelatihan" if lang != "en" else "Training")
    from openpyxl.cell import WriteOnlyCell

    def text(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"          # people's text is never a formula
        return cell

    sheet.append([text(report["name"]), report["code"], f"{report['start']} – {report['end']}"])
    for row in _rows(report, lang):
        sheet.append([text(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(report: Mapping[str, Any], lang: str = "id") -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    from shared.platform.pdf import fonts
    regular, bold = fonts()
    title = ParagraphStyle("t", fontName=bold, fontSize=14, leading=18)
    cell = ParagraphStyle("c", fontName=regular, fontSize=9, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=report["name"])
    story = [Paragraph(escape(report["name"]), title),
             Paragraph(escape(f"{report['code']} · {report['start']} – {report['end']} · "
                              f"{report['participants']} {'participants' if lang == 'en' else 'peserta'}"), cell),
             Spacer(1, 6 * mm),
             Table([[Paragraph(escape(str(c)), cell) for c in row] for row in _rows(report, lang)],
                   colWidths=[80 * mm, 55 * mm, 35 * mm])]
    doc.build(story)
    return out.getvalue()
