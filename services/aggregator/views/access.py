"""What every indicator view needs: the period asked for, and whose data the caller may see."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.contracts.formats import code_field, nip_field, period_field
from shared.domain import peer_release
from shared.domain.periods import PeriodError, kind_of, quarter_of
from shared.platform.auth import ADMIN, EVALUATOR, principal
from shared.platform.errors import ApiError
from shared.platform.web import this_month

from services.aggregator.presentation.exports import FORMATS


class IndicatorQuery(Schema):
    period = period_field(metadata={"description": "month YYYY-MM, quarter YYYY-Qn, semester YYYY-S1 (Jan-Jun) "
                                                  "or YYYY-S2 (Jul-Dec), or year YYYY (default: this month)"})
    unit = code_field(error="kode unit tidak valid / invalid unit code")
    service = code_field(error="kode layanan tidak valid / invalid service code")
    employee = nip_field(metadata={"description": "NIP of one employee"})
    format = fields.String(validate=validate.OneOf(FORMATS), load_default="json",
                           metadata={"description": "json, csv or xlsx"})


class PeerQuery(IndicatorQuery):
    period = period_field(metadata={"description": "quarter YYYY-Qn (default: this quarter), or semester "
                                                  "YYYY-S1/YYYY-S2 or year YYYY (answered as their released "
                                                  "quarters); a month YYYY-MM is refused (422 "
                                                  "period_not_released): peer results are released per quarter "
                                                  "only"})


class ListOut(Schema):
    period = fields.String()
    filters = fields.Dict()
    items = fields.List(fields.Dict())


def period_of(args: dict) -> str:
    period = args.get("period") or this_month()
    try:
        kind_of(period)
    except PeriodError as exc:
        raise ApiError(422, errors={"period": [str(exc)]}) from None
    return period


def peer_period_of(args: dict) -> str:
    """The period of a peer (BerAKHLAK 360) request: a quarter (default: this one), a semester
    or a year. A month is refused, 422 ``period_not_released``, naming its quarter."""
    period = args.get("period") or quarter_of(this_month())
    try:
        peer_release.release_quarters(period)
    except peer_release.MonthNotReleased as exc:
        raise ApiError(422, exc.message_id, exc.message_en, code="period_not_released",
                       errors={"period": [f"{exc.message_id} / {exc.message_en}"]}) from None
    except PeriodError as exc:
        raise ApiError(422, errors={"period": [str(exc)]}) from None
    return period


def people(employee: str | None) -> set[str] | None:
    """NIPs the caller may see (None: everyone). Evaluators and admins see all; a supervisor
    sees the people below them in the directory and gets 403 for anyone else."""
    from shared.records.directory import is_in_team, team

    who = principal()
    if who.has(ADMIN, EVALUATOR):
        return {employee} if employee else None
    if not who.nip:
        raise ApiError(403, errors={"Authorization": ["token has no NIP / token tanpa NIP"]})
    if employee:
        if not is_in_team(employee, who.nip):
            raise ApiError(403, "Pegawai ini bukan bawahan Anda", "This employee is not in your team",
                           errors={"employee": ["not in your team"]})
        return {employee}
    return {e.nip for e in team(who.nip)}
