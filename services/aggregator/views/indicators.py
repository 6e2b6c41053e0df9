"""Indicators for evaluation teams: SKM per unit and service, officers, peer 360, predikat.

Evaluators and admins see everything; a supervisor sees unit-level results and only the
people in their own team (403 for anyone else). Every list exports as JSON, CSV or XLSX.
Peer results are released per quarter only (:mod:`shared.domain.peer_release`): the peer
list refuses a month, answers a semester or a year with its released quarters, and every
other answer that holds peer results shows quarters.
"""
from __future__ import annotations

from flask_smorest import Blueprint

from shared.domain import peer_release
from shared.platform.auth import ADMIN, EVALUATOR, SUPERVISOR, require
from shared.platform.openapi import refuses

from services.aggregator.presentation import exports
from services.aggregator.queries import reports
from services.aggregator.views.access import IndicatorQuery, PeerQuery, peer_period_of, people, period_of
from services.aggregator.views.rows import EmployeeResultOut, OfficersOut, PeersOut, PredikatsOut, ServicesOut, UnitsOut

blp = Blueprint("indicators", __name__, url_prefix="/api/v1/indicators",
                description="ASN performance indicators (evaluators, admins; supervisors: their own team)")

EXPORT_DOC = {"responses": {200: {"content": {"text/csv": {}, exports.XLSX_TYPE: {}},
                                  "description": "JSON, or a CSV / XLSX download with ?format="}}}
ROLES = (ADMIN, EVALUATOR, SUPERVISOR)


def _answer(rows, args, period, name):
    filters = {k: args[k] for k in ("unit", "service", "employee") if args.get(k)}
    return exports.respond(rows, args["format"], f"{name}-{period}", {"period": period, "filters": filters})


@blp.route("/units", methods=["GET"])
@require(*ROLES)
@blp.arguments(IndicatorQuery, location="query")
@blp.response(200, UnitsOut)
@blp.doc(**EXPORT_DOC)
def units(args):
    """SKM per unit: respondents, NRR per unsur, SKM 1-4, IKM 25-100, mutu and kinerja, the
    three lowest unsur, sample adequacy (Krejcie-Morgan) against the configured population."""
    period = period_of(args)
    return _answer(reports.units(period, args.get("unit")), args, period, "skm-units")


@blp.route("/services", methods=["GET"])
@require(*ROLES)
@blp.arguments(IndicatorQuery, location="query")
@blp.response(200, ServicesOut)
@blp.doc(**EXPORT_DOC)
def services(args):
    """SKM per service (jenis layanan) of each unit, computed like the unit's."""
    period = period_of(args)
    return _answer(reports.services(period, args.get("unit"), args.get("service")), args, period, "skm-services")


@blp.route("/officers", methods=["GET"])
@require(*ROLES)
@blp.arguments(IndicatorQuery, location="query")
@blp.response(200, OfficersOut)
@blp.doc(**EXPORT_DOC)
def officers(args):
    """Per officer named in citizens' responses: count, mean U6 and U7, mean of all unsur,
    officer index (25-100) and its trend against the previous period."""
    period = period_of(args)
    allowed = people(args.get("employee"))
    return _answer(reports.officers(period, unit=args.get("unit"), nips=allowed), args, period, "officers")


@blp.route("/peer", methods=["GET"])
@require(*ROLES)
@blp.arguments(PeerQuery, location="query")
@blp.response(200, PeersOut)
@blp.doc(**EXPORT_DOC)
@refuses(blp, 422, "a month (code period_not_released): peer results are released per quarter only")
def peer(args):
    """Peer (BerAKHLAK 360) per employee and quarter: mean per value (1 decimal), raters,
    perilaku rating; self-ratings excluded; below the rater threshold only {released: false,
    raters, min_raters}. Released per quarter only: a semester or a year answers with one row
    per employee and released quarter (never a mean over it); a month is refused."""
    period = peer_period_of(args)
    allowed = people(args.get("employee"))
    return _answer(reports.peer(period, unit=args.get("unit"), nips=allowed), args, period, "peer")


@blp.route("/predikat", methods=["GET"])
@require(*ROLES)
@blp.arguments(IndicatorQuery, location="query")
@blp.response(200, PredikatsOut)
@blp.doc(**EXPORT_DOC)
def predikat(args):
    """Predikat kinerja per employee: imported hasil kerja x perilaku (the rater's imported one,
    else that of a released quarter's peer result: the period's quarter, or the latest released
    quarter of a semester or a year, named in perilaku_period)."""
    period = period_of(args)
    allowed = people(args.get("employee"))
    return _answer(reports.predikat(period, unit=args.get("unit"), nips=allowed), args, period, "predikat")


@blp.route("/employees/<nip>", methods=["GET"])
@require(*ROLES)
@blp.arguments(IndicatorQuery, location="query")
@blp.response(200, EmployeeResultOut)
@refuses(blp, 403, "a supervisor asking about someone outside their team")
def employee(args, nip):
    """Everything about one employee for a period: officer satisfaction, peer result (of the
    quarter the period is or lies in; a semester's or a year's released quarters under
    peer_quarters), predikat."""
    import re

    from shared.platform.errors import ApiError

    if not re.match(r"^\d{18}$", nip):
        raise ApiError(422, errors={"nip": ["NIP harus 18 digit / NIP must be 18 digits"]})
    period = period_of(args)
    allowed = people(nip)
    officer = reports.officers(period, nips=allowed)
    quarter = peer_release.quarter_for(period)
    peer_rows = reports.peer(quarter or period, nips=allowed)
    predikat_rows = reports.predikat(period, nips=allowed)
    return {"nip": nip, "period": period, "officer": officer[0] if officer else None,
            "peer": peer_rows[0] if quarter and peer_rows else None,
            "peer_quarters": [r for r in peer_rows if r["released"]],
            "predikat": predikat_rows[0] if predikat_rows else None}
