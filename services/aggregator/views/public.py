"""Public, unit-level SKM results (the transparency PermenPAN-RB 14/2017 asks for).

Anyone may call these; they never contain data about individual employees or citizens.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from shared.contracts.formats import period_field
from shared.domain.periods import PeriodError, kind_of
from shared.platform.auth import public
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.web import this_month

from services.aggregator.queries import publication
from services.aggregator.views.rows import SampleOut, WeightingOut, nrr_field

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
