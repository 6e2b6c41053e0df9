"""What the indicator and report answers hold, row by row: the schemas the OpenAPI document
shows and every answer is dumped through (so a field the code adds without a schema here does
not reach a client, and the document cannot lag behind)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, validate

from shared.domain import berakhlak, skm


class Row(Schema):
    """Rows are dicts: a key that is absent is absent from the answer (never a dict method of
    the same name, such as ``values``)."""

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if isinstance(obj, Mapping):
            return obj.get(attr, default)
        return super().get_attribute(obj, attr, default)


UNSUR = validate.OneOf(skm.UNSUR_CODES)
VALUES = validate.OneOf(berakhlak.VALUE_CODES)
RATINGS = validate.OneOf(berakhlak.RATINGS)


class ResultGradeOut(Row):
    mutu = fields.String(validate=validate.OneOf(["A", "B", "C", "D"]))
    kinerja = fields.String(metadata={"description": "kinerja unit pelayanan (Bahasa Indonesia)"})
    kinerja_en = fields.String()


class SampleOut(Row):
    population = fields.Integer(allow_none=True, metadata={"description": "service users, when configured"})
    target = fields.Integer(allow_none=True, metadata={"description": "Krejcie-Morgan sample for the population"})
    adequate = fields.Boolean(allow_none=True)


class WeightingOut(Row):
    kind = fields.String(required=True, validate=validate.OneOf(["equal", "custom"]),
                         metadata={"description": "equal: the regulation's 1/9 per unsur (PermenPAN-RB 14/2017); "
                                                  "custom: the unit's own weights"})
    weights = fields.Dict(keys=fields.String(validate=UNSUR), values=fields.String(),
                          metadata={"description": "custom only: the weight per unsur as the admin wrote it"})
    reason = fields.String(allow_none=True, metadata={"description": "custom only: the admin's stated reason"})


def nrr_field(**kw) -> fields.Dict:
    return fields.Dict(keys=fields.String(validate=UNSUR), values=fields.Float(allow_none=True),
                       metadata={"description": "NRR per unsur (1-4); null: nobody answered it"}, **kw)


class SkmResultOut(Row):
    """The SKM of a unit (or service) for a period, as PermenPAN-RB 14/2017 computes it."""

    unit = fields.String(required=True)
    period = fields.String(required=True)
    respondents = fields.Integer(required=True)
    nrr = nrr_field(required=True)
    skm = fields.Float(allow_none=True, metadata={"description": "perception value 1-4 (weighted mean of NRR)"})
    ikm = fields.Float(allow_none=True, metadata={"description": "converted value 25-100"})
    grade = fields.Nested(ResultGradeOut, allow_none=True)
    lowest_unsur = fields.List(fields.String(validate=UNSUR), metadata={"description": "improvement priorities"})
    sample = fields.Nested(SampleOut)
    weights = fields.String(validate=validate.OneOf(["equal", "custom"]),
                            metadata={"description": "weighting.kind (kept for older clients)"})
    weighting = fields.Nested(WeightingOut, required=True)
    skm_worked = fields.String(metadata={"description": "the exact SKM the IKM comes from, with the digits "
                                                        "that decide its rounding (as the report prints it)"})


class ServiceResultOut(SkmResultOut):
    service = fields.String(required=True)


class TrendOut(Row):
    previous = fields.Float(allow_none=True, metadata={"description": "officer index of the previous period"})
    delta = fields.Float(allow_none=True)
    direction = fields.String(allow_none=True, validate=validate.OneOf(["up", "down", "flat"]))


class OfficerResultOut(Row):
    nip = fields.String(required=True)
    period = fields.String(required=True)
    responses = fields.Integer(required=True)
    u6 = fields.Float(allow_none=True, metadata={"description": "mean of U6 (competence), 1-4"})
    u7 = fields.Float(allow_none=True, metadata={"description": "mean of U7 (behaviour), 1-4"})
    mean_all = fields.Float(allow_none=True, metadata={"description": "mean of all unsur, 1-4"})
    index = fields.Float(allow_none=True, metadata={"description": "officer index 25-100 (U6 and U7)"})
    trend = fields.Nested(TrendOut)
    units = fields.List(fields.String(), metadata={"description": "units whose responses named the officer"})


class PeerValueOut(Row):
    mean = fields.Float(allow_none=True, metadata={"description": "1 decimal, half-up from the integer sums"})
    n = fields.Integer()
    rating = fields.String(allow_none=True, validate=RATINGS)


class PeerResultOut(Row):
    """One quarter's peer result (released per quarter only); below the rater threshold only
    ``released: false``, ``raters`` and ``min_raters``."""

    nip = fields.String(required=True)
    unit = fields.String(allow_none=True)
    period = fields.String(required=True, metadata={"description": "the quarter YYYY-Qn the result is of"})
    released = fields.Boolean(required=True)
    raters = fields.Integer(required=True, metadata={"description": "distinct raters (self-ratings excluded)"})
    min_raters = fields.Integer(required=True)
    values = fields.Dict(keys=fields.String(validate=VALUES), values=fields.Nested(PeerValueOut))
    mean = fields.Float(allow_none=True, metadata={"description": "mean of the values' exact means, 1 decimal"})
    perilaku = fields.String(allow_none=True, validate=RATINGS)
    perilaku_reason = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True,
                                  metadata={"description": "when a core value Di Bawah Ekspektasi lowered the "
                                                           "perilaku: why (id, en) and which values"})


class PredikatOut(Row):
    nip = fields.String(required=True)
    unit = fields.String(allow_none=True)
    period = fields.String(required=True)
    hasil_kerja = fields.String(allow_none=True, validate=RATINGS)
    perilaku = fields.String(allow_none=True, validate=RATINGS)
    perilaku_source = fields.String(allow_none=True, validate=validate.OneOf(["appraisal", "peer"]),
                                    metadata={"description": "appraisal: the rater's imported perilaku (it takes "
                                                             "precedence); peer: derived from released peer feedback"})
    perilaku_period = fields.String(allow_none=True,
                                    metadata={"description": "peer only: the released quarter the perilaku is "
                                                             "from (a month's quarter; a semester's or year's "
                                                             "latest released quarter)"})
    predikat = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    label_en = fields.String(allow_none=True)


class EmployeeResultOut(Row):
    nip = fields.String(required=True)
    period = fields.String(required=True)
    officer = fields.Nested(OfficerResultOut, allow_none=True)
    peer = fields.Nested(PeerResultOut, allow_none=True,
                         metadata={"description": "the result of the quarter the period is or lies in (for a "
                                                  "month: its quarter); null for a semester or a year"})
    peer_quarters = fields.List(fields.Nested(PeerResultOut), required=True,
                                metadata={"description": "the released quarterly results the period covers (a "
                                                         "month: its quarter's): peer results are released per "
                                                         "quarter only"})
    predikat = fields.Nested(PredikatOut, allow_none=True)


class FiltersOut(Row):
    unit = fields.String()
    service = fields.String()
    employee = fields.String()


def list_of(row: type[Schema], name: str) -> type[Schema]:
    """The JSON answer of a list endpoint: ``{period, filters, items}`` of ``row``."""
    return Row.from_dict({"period": fields.String(required=True), "filters": fields.Nested(FiltersOut),
                             "items": fields.List(fields.Nested(row), required=True)}, name=name)


UnitsOut = list_of(SkmResultOut, "UnitsOut")
ServicesOut = list_of(ServiceResultOut, "ServicesOut")
OfficersOut = list_of(OfficerResultOut, "OfficersOut")
PeersOut = list_of(PeerResultOut, "PeersOut")
PredikatsOut = list_of(PredikatOut, "PredikatsOut")


# -- the SKM report ------------------------------------------------------------------------------

class ReportUnsurOut(Row):
    code = fields.String(validate=UNSUR)
    name = fields.String()
    name_en = fields.String()
    nrr = fields.Float(allow_none=True)
    weight = fields.Float(allow_none=True, metadata={"description": "the weight the unsur carried"})
    weighted = fields.Float(allow_none=True)


class ReportPriorityOut(Row):
    code = fields.String(validate=UNSUR)
    name = fields.String()
    name_en = fields.String()
    nrr = fields.Float(allow_none=True)


class ProfileCountOut(Row):
    value = fields.String(allow_none=True, metadata={"description": "the answer; null: left empty"})
    count = fields.Integer()


class ReportServiceOut(Row):
    service = fields.String()
    name = fields.String()
    name_en = fields.String()
    respondents = fields.Integer()
    ikm = fields.Float(allow_none=True)
    grade = fields.Nested(ResultGradeOut, allow_none=True)


class ReportCommentOut(Row):
    date = fields.String(metadata={"description": "YYYY-MM-DD"})
    unit = fields.String(allow_none=True)
    service = fields.String(allow_none=True)
    text = fields.String()


class ReportTotalsOut(Row):
    sums = fields.Dict(keys=fields.String(validate=UNSUR), values=fields.Integer())
    counts = fields.Dict(keys=fields.String(validate=UNSUR), values=fields.Integer())


class ReportPreviousOut(Row):
    period = fields.String()
    respondents = fields.Integer()
    ikm = fields.Float(allow_none=True)
    grade = fields.Nested(ResultGradeOut, allow_none=True)
    nrr = nrr_field()
    change = fields.Float(allow_none=True, metadata={"description": "IKM now minus then, as shown"})


class ConversionOut(Row):
    skm = fields.String()
    ikm = fields.String()
    mutu = fields.String()
    kinerja = fields.String()
    kinerja_en = fields.String()


class ReportPlanOut(Row):
    item = fields.String()
    unit = fields.String()
    kegiatan = fields.String()
    unsur = fields.List(fields.String(validate=UNSUR))
    waktu = fields.String()
    penanggung_jawab = fields.String()
    status = fields.String()
    evidence_note = fields.String(allow_none=True)
    evidence_url = fields.String(allow_none=True)
    rev = fields.Integer()


class ComparisonOut(Row):
    unsur = fields.String(validate=UNSUR)
    before = fields.Float(allow_none=True)
    after = fields.Float(allow_none=True)
    change = fields.Float(allow_none=True)
    direction = fields.String(allow_none=True, validate=validate.OneOf(["up", "down", "flat"]))


class ReportFollowupOut(Row):
    period = fields.String()
    plans = fields.List(fields.Nested(ReportPlanOut))
    comparison = fields.List(fields.Nested(ComparisonOut))


class SignoffOut(Row):
    title = fields.String()
    title_en = fields.String()
    name = fields.String(allow_none=True)
    nip = fields.String(allow_none=True)


class SkmReportOut(Row):
    unit = fields.String(required=True)
    unit_name = fields.String()
    unit_name_en = fields.String()
    period = fields.String(required=True)
    generated_at = fields.String()
    result = fields.Nested(SkmResultOut)
    unsur = fields.List(fields.Nested(ReportUnsurOut))
    priorities = fields.List(fields.Nested(ReportPriorityOut))
    profile = fields.Dict(keys=fields.String(validate=validate.OneOf(list(skm.PROFILE))),
                          values=fields.List(fields.Nested(ProfileCountOut)))
    channels = fields.Dict(keys=fields.String(), values=fields.Integer())
    services = fields.List(fields.Nested(ReportServiceOut))
    comments = fields.List(fields.Nested(ReportCommentOut), metadata={"description": "the newest (at most 500)"})
    comments_total = fields.Integer()
    scope = fields.String(validate=validate.OneOf(["unit", "pemda"]))
    dates = fields.Dict(keys=fields.String(validate=validate.OneOf(["start", "end"])), values=fields.String(),
                        metadata={"description": "first and last day of the period (YYYY-MM-DD)"})
    totals = fields.Nested(ReportTotalsOut, metadata={"description": "sums and counts per unsur, which the "
                                                                     "XLSX's formulas recompute NRR and IKM from"})
    previous = fields.Nested(ReportPreviousOut, metadata={"description": "the previous period of the same kind"})
    conversion = fields.List(fields.Nested(ConversionOut), metadata={"description": "the regulation's conversion "
                                                                                    "table"})
    plans = fields.List(fields.Nested(ReportPlanOut), metadata={"description": "rencana tindak lanjut of the period"})
    followup = fields.Nested(ReportFollowupOut, metadata={"description": "the previous period's plan and its "
                                                                         "unsur then and now"})
    signoff = fields.Nested(SignoffOut)
    opd = fields.List(fields.Dict(), metadata={"description": "pemda only: the OPD ranking (as /public/rollup)"})
    units = fields.List(fields.Dict(), metadata={"description": "pemda only: every unit ranked (as /public/rollup)"})
