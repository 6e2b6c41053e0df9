"""Public, unit-level SKM results (the transparency PermenPAN-RB 14/2017 asks for).

Anyone may call these; they never contain data about individual employees or citizens.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.contracts.formats import period_field
from shared.domain.periods import PeriodError, kind_of
from shared.platform.auth import public
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.web import this_month

from services.aggregator.queries import publication
from services.aggregator.views.rows import ResultGradeOut, Row, SampleOut, WeightingOut, nrr_field

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="Public unit-level SKM results")

class PeriodQuery(Schema):
    period = period_field(metadata={"description": "month YYYY-MM, quarter YYYY-Qn, semester YYYY-S1 (Jan-Jun) "
                                                  "or YYYY-S2 (Jul-Dec), or year YYYY (default: this month)"})


class GradeOut(Schema):
    mutu = fields.String()
    kinerja = fields.String()
    kinerja_en = fields.String()


class UnitSkmOut(Schema):
    unit = fields.String()
    period = fields.String()
    respondents = fields.Integer()
    nrr = nrr_field()
    skm = fields.Float(allow_none=True, metadata={"description": "perception value 1-4 (weighted mean of NRR)"})
    ikm = fields.Float(allow_none=True, metadata={"description": "converted value 25-100"})
    grade = fields.Nested(GradeOut, allow_none=True)
    lowest_unsur = fields.List(fields.String())
    weighting = fields.Nested(WeightingOut, metadata={"description": "equal (the regulation's), or the unit's own "
                                                                     "weights with the reason"})
    sample = fields.Nested(SampleOut, metadata={"description": "population, Krejcie-Morgan target, adequate "
                                                              "(when a population is configured)"})


@blp.route("/units/<code>", methods=["GET"])
@public
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, UnitSkmOut)
@refuses(blp, 404, "no unit with this code (and no responses under it)")
def unit_skm(args, code):
    """SKM of one unit for a period: respondents, NRR per unsur, IKM and grade."""
    period = args.get("period") or this_month()
    try:
        kind_of(period)
    except PeriodError as exc:
        raise ApiError(422, errors={"period": [str(exc)]}) from None
    result = publication.unit(code, period)
    if result["respondents"] == 0 and not _unit_known(code):
        raise ApiError(404, errors={"code": ["unit tidak dikenal / unknown unit"]})
    return result


def _unit_known(code: str) -> bool:
    from shared.records.directory import unit_exists
    return unit_exists(code)


class PooledSampleOut(SampleOut):
    population = fields.Integer(allow_none=True, metadata={"description": "the sum of the populations of its "
                                                                          "units where set (null: none set)"})
    population_units = fields.Integer(metadata={"description": "how many of its units have a population set"})
    target = fields.Integer(allow_none=True, metadata={"description": "Krejcie-Morgan sample for that population"})
    adequate = fields.Boolean(allow_none=True, metadata={"description": "respondents >= target (null: no population)"})


class PooledOut(Row):
    units = fields.Integer(metadata={"description": "units pooled"})
    units_with_respondents = fields.Integer()
    respondents = fields.Integer(required=True)
    nrr = nrr_field(required=True)
    skm = fields.Float(allow_none=True, metadata={"description": "perception value 1-4 of the pooled answers"})
    ikm = fields.Float(allow_none=True, metadata={"description": "IKM (25-100) of the pooled answers: equal weights "
                                                               "over the pooled NRR"})
    grade = fields.Nested(ResultGradeOut, allow_none=True, metadata={"description": "mutu of that IKM"})
    ikm_units_mean = fields.Float(allow_none=True, metadata={
        "description": "not the pooled IKM: the mean of its units' own IKM (units with respondents), exact, "
                       "rounded half-up to 2 decimals"})
    sample = fields.Nested(PooledSampleOut)


class RankedOut(PooledOut):
    unit = fields.String(required=True)
    name = fields.String()
    name_en = fields.String()
    rank = fields.Integer(allow_none=True, metadata={
        "description": "1 = highest IKM; rows under their sample target rank after all others; equal IKM, equal "
                       "rank; null: no respondents"})
    under_target = fields.Boolean(metadata={"description": "respondents below the Krejcie-Morgan target"})


class TreeNodeOut(Row):
    unit = fields.String(required=True)
    name = fields.String()
    name_en = fields.String()
    depth = fields.Integer(metadata={"description": "0: the OPD itself"})
    parent = fields.String(allow_none=True)


class OpdOut(RankedOut):
    tree = fields.List(fields.Nested(TreeNodeOut), metadata={"description": "the OPD and every unit below it, "
                                                                             "in tree order"})


class UnitRankOut(RankedOut):
    opd = fields.String(metadata={"description": "the OPD (top-level unit) it belongs to"})
    parent = fields.String(allow_none=True)
    weights = fields.String(validate=validate.OneOf(["equal", "custom"]),
                            metadata={"description": "the unit's IKM uses its own weights when custom"})


class PemdaOut(PooledOut):
    opd = fields.Integer(metadata={"description": "number of OPD"})


class RollupOut(Schema):
    period = fields.String(required=True)
    pemda = fields.Nested(PemdaOut, required=True, metadata={"description": "every unit pooled (IKM gabungan)"})
    opd = fields.List(fields.Nested(OpdOut), required=True,
                      metadata={"description": "each top-level unit (no parent) pooled with all its descendants, "
                                               "ranked"})
    units = fields.List(fields.Nested(UnitRankOut), metadata={"description": "every unit with its own IKM, ranked"})


@blp.route("/rollup", methods=["GET"])
@public
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, RollupOut)
def rollup(args):
    """IKM gabungan: the whole Pemda, each OPD (a top-level unit with all its sub-units) and every
    unit, ranked. Pooled figures come from the pooled integer totals; the mean of units' IKM is
    shown separately. Unit-level figures only."""
    period = args.get("period") or this_month()
    try:
        kind_of(period)
    except PeriodError as exc:
        raise ApiError(422, errors={"period": [str(exc)]}) from None
    return publication.rollup(period)


class ShareOut(Schema):
    done = fields.Integer(metadata={"description": "in time"})
    of = fields.Integer(metadata={"description": "done or past their deadline"})
    percent = fields.Float(allow_none=True, metadata={"description": "done / of x 100, rounded half-up to 1 decimal"})


class AnsweredTicketOut(Schema):
    ticket = fields.String()
    kind = fields.String()
    unsur = fields.String(allow_none=True)
    answered_at = fields.DateTime()
    reply = fields.String(metadata={"description": "the unit's public answer (never the citizen's text)"})
    duplicate_of = fields.String(allow_none=True)


class UnitComplaintsOut(Schema):
    unit = fields.String()
    period = fields.String()
    received = fields.Integer(metadata={"description": "tickets received in the period that the unit owns now "
                                                       "(after forwards: the unit that answers)"})
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_unsur = fields.Dict(keys=fields.String(), values=fields.Integer())
    verified_in_time = fields.Nested(ShareOut, metadata={"description": "verified or rejected within "
                                                                        "COMPLAINT_VERIFY_DAYS working days of "
                                                                        "reaching the unit (a forward starts the "
                                                                        "count again at the new unit)"})
    answered_in_time = fields.Nested(ShareOut, metadata={"description": "answered within COMPLAINT_ANSWER_DAYS "
                                                                        "working days of verification"})
    median_days_to_answer = fields.Float(allow_none=True, metadata={"description": "working days, receipt to answer"})
    answered = fields.Integer()
    backlog = fields.Integer(metadata={"description": "still open"})
    overdue = fields.Integer(metadata={"description": "open and past their deadline"})
    answered_tickets = fields.List(fields.Nested(AnsweredTicketOut))


@blp.route("/units/<code>/complaints", methods=["GET"])
@public
@blp.arguments(PeriodQuery, location="query")
@blp.response(200, UnitComplaintsOut)
@refuses(blp, 404, "no unit with this code")
def unit_complaints(args, code):
    """How a unit handled citizens' complaints in a period (beside SKM unsur U8), and the
    tickets it answered with its public replies."""
    from flask import current_app

    from services.aggregator.queries import complaints

    period = args.get("period") or this_month()
    if not _unit_known(code):
        raise ApiError(404, errors={"code": ["unit tidak dikenal / unknown unit"]})
    ext = current_app.extensions["tanggap"]
    return complaints.unit(ext.settings, code, period, ext.clock.now())
