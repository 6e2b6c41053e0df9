"""What every indicator view needs: the period asked for, and whose data the caller may see."""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate

from shared.platform.auth import ADMIN, EVALUATOR, principal
from shared.platform.errors import ApiError
from shared.domain.periods import PeriodError, kind_of, month_of

from services.aggregator.presentation.exports import FORMATS

PERIOD = r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$"
NIP = r"^\d{18}$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"


class IndicatorQuery(Schema):
    period = fields.String(validate=validate.Regexp(PERIOD, error="YYYY-MM, YYYY-Qn atau YYYY / YYYY-MM, YYYY-Qn or YYYY"),
                           metadata={"description": "month YYYY-MM, quarter YYYY-Qn or year YYYY (default: this month)"})
    unit = fields.String(validate=validate.Regexp(CODE, error="kode unit tidak valid / invalid unit code"))
    service = fields.String(validate=validate.Regexp(CODE, error="kode layanan tidak valid / invalid service code"))
    employee = fields.String(validate=validate.Regexp(NIP, error="NIP harus 18 digit / NIP must be 18 digits"),
                             metadata={"description": "NIP of one employee"})
    format = fields.String(validate=validate.OneOf(FORMATS), load_default="json",
                           metadata={"description": "json, csv or xlsx"})


class ListOut(Schema):
    period = fields.String()
    filters = fields.Dict()
    items = fields.List(fields.Dict())


def period_of(args: dict) -> str:
    ext = current_app.extensions["tanggap"]
    period = args.get("period") or month_of(ext.clock.now(), ext.settings.timezone)
    try:
        kind_of(period)
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
