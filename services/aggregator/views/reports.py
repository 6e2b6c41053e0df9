"""The SKM report of a unit and period for evaluation teams: JSON, PDF or XLSX."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.contracts.formats import period_field
from shared.platform.auth import ADMIN, EVALUATOR, require
from shared.platform.openapi import refuses

from services.aggregator.presentation import skm_report_data, skm_report_layout
from services.aggregator.views.access import period_of
from services.aggregator.views.rows import SkmReportOut

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="The SKM report as units publish it (evaluators, admins)")


class ReportQuery(Schema):
    period = period_field(metadata={"description": "month YYYY-MM, quarter YYYY-Qn, semester YYYY-S1 (Jan-Jun) "
                                                  "or YYYY-S2 (Jul-Dec), or year YYYY (default: this month)"})
    format = fields.String(validate=validate.OneOf(["json", "pdf", "xlsx"]), load_default="json",
                           metadata={"description": "json, pdf or xlsx"})
    lang = fields.String(validate=validate.OneOf(["id", "en"]), load_default="id",
                         metadata={"description": "language of the PDF and XLSX: id (default) or en"})


@blp.route("/skm/<unit>", methods=["GET"])
@require(ADMIN, EVALUATOR)
@blp.arguments(ReportQuery, location="query")
@blp.response(200, SkmReportOut)
@refuses(blp, 404, "no unit with this code")
@blp.doc(responses={200: {"content": {"application/json": {}, "application/pdf": {},
                                      skm_report_layout.FILE_TYPES["xlsx"]: {}},
                          "description": "the report's data, or the PDF / XLSX with ?format="}})
def skm_report(args, unit):
    """Respondents and their profile, NRR per unsur (with weights), SKM, IKM, mutu and
    kinerja, results per service, the lowest unsur as improvement priorities, comments.
    ``result`` is the unit's row of /api/v1/indicators/units for the same period."""
    report = skm_report_data.load(unit, period_of(args), local_now(), current_app.extensions["tanggap"].settings)
    if args["format"] == "json":
        return report
    return download(report, args["format"], args["lang"])


@blp.route("/skm-pemda", methods=["GET"])
@require(ADMIN, EVALUATOR)
@blp.arguments(ReportQuery, location="query")
@blp.response(200, SkmReportOut)
@blp.doc(responses={200: {"content": {"application/json": {}, "application/pdf": {},
                                      skm_report_layout.FILE_TYPES["xlsx"]: {}},
                          "description": "the report's data, or the PDF / XLSX with ?format="}})
def skm_report_pemda(args):
    """The Pemda's SKM report: IKM gabungan of every unit's pooled answers, the OPD and unit
    ranking, the pooled profile, the previous period, and every unit's follow-up plan."""
    report = skm_report_data.build_pemda(period_of(args), local_now())
    if args["format"] == "json":
        return report
    return download(report, args["format"], args["lang"])


def local_now() -> datetime:
    """Now in the configured zone (WIB by default): the report prints it."""
    ext = current_app.extensions["tanggap"]
    now: datetime = ext.clock.now().astimezone(ZoneInfo(ext.settings.timezone))
    return now


def kop() -> dict:
    """The Pemda's name and logo (read from TANGGAP_PEMDA_LOGO; a missing or unreadable file
    leaves the logo out, it never fails the report)."""
    settings = current_app.extensions["tanggap"].settings
    logo = None
    if settings.pemda_logo:
        try:
            with open(settings.pemda_logo, "rb") as handle:
                logo = handle.read(2 * 1024 * 1024)
        except OSError:
            logo = None
    return {"name": settings.pemda_name, "logo": logo}


def download(report: Mapping, fmt: str, lang: str) -> Response:
    """The report as a PDF or XLSX attachment."""
    layout = skm_report_layout.to_pdf if fmt == "pdf" else skm_report_layout.to_xlsx
    stem = "skm-report" if lang == "en" else "laporan-skm"
    return Response(layout(report, lang, kop()), mimetype=skm_report_layout.FILE_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{stem}-{report["unit"]}-{report["period"]}.{fmt}"'})
