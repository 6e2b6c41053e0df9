"""One employee's indicators as a page (login): the officer index from citizens' ratings and
its trend, the released BerAKHLAK peer result of the quarter, and the predikat kinerja, each with
a line saying how it is computed. Evaluators and admins see everyone and a supervisor the people
below them (the API's rule, ``GET /api/v1/indicators/employees/<nip>``); beyond the API, a
person sees their own page. The person rated sees a quarter's peer result only once the quarter
has ended: while it runs, each new rating would change the figure they watch, and the change
gives that one rater's scores away (4 x mean of 4 - 3 x mean of 3)."""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request

from shared.domain import berakhlak, peer_release
from shared.domain.periods import previous, quarter_of
from shared.platform import forms
from shared.platform.auth import ADMIN, EMPLOYEE, EVALUATOR, SUPERVISOR
from shared.platform.errors import ApiError
from shared.platform.web import this_month
from shared.platform.webauth import login_required, web_principal
from shared.records.directory import Employee, Unit, is_in_team

from services.aggregator.queries import reports
from services.aggregator.views.pages import _helpers

bp = Blueprint("person_pages", __name__, template_folder="../templates")
TREND_MONTHS = 6
MONTH = re.compile(r"[1-9][0-9]{3}-(0[1-9]|1[0-2])")


def _may_see(nip: str) -> bool:
    who = web_principal()
    if who is None:
        return False
    if who.has(ADMIN, EVALUATOR):
        return True
    if who.nip == nip and who.has(EMPLOYEE, SUPERVISOR):
        return True
    return bool(who.has(SUPERVISOR) and who.nip and is_in_team(nip, who.nip))


def _withheld(row: dict, running: str) -> dict:
    return {"period": row["period"], "released": False, "raters": row.get("raters", 0),
            "min_raters": row.get("min_raters", berakhlak.MIN_RATERS_FLOOR), "running": True}


def _without_running_peer(row: dict | None, running: str) -> dict | None:
    """A predikat whose perilaku comes from the running quarter's peer feedback, without it."""
    if row is None or row.get("perilaku_source") != "peer" or (row.get("perilaku_period") or "") < running:
        return row
    return {**row, "perilaku": None, "perilaku_source": None, "predikat": None, "label": None, "waiting": True}


@bp.route("/pegawai/<nip>")
@login_required(ADMIN, EVALUATOR, SUPERVISOR, EMPLOYEE)
def person(nip):
    if not re.fullmatch(r"[0-9]{18}", nip):
        return forms.error_page(ApiError(404, "Pegawai tidak ditemukan", "Employee not found"))
    if not _may_see(nip):
        return forms.error_page(ApiError(403, "Anda tidak berhak melihat indikator pegawai ini.",
                                         "You may not see this employee's indicators."))
    period = request.args.get("period") or this_month()
    if not MONTH.fullmatch(period):
        return forms.error_page(ApiError(422, errors={"period": ["YYYY-MM"]}))
    person_doc = Employee.head(nip)
    months = [period]
    for _ in range(TREND_MONTHS - 1):
        months.append(previous(months[-1]))
    trend = []
    for month in reversed(months):
        rows = reports.officers(month, nips={nip})
        rated = reports.predikat(month, nips={nip})
        trend.append({"period": month, "row": rows[0] if rows else None, "predikat": rated[0] if rated else None})
    year = period[:4]
    released_quarters = [r for r in reports.peer(year, nips={nip}) if r.get("released")]
    quarter = peer_release.quarter_for(period)
    peer_rows = reports.peer(quarter, nips={nip}) if quarter else []
    predikat_rows = reports.predikat(period, nips={nip})
    who = web_principal()
    own = bool(who and who.nip == nip)
    running = quarter_of(this_month())
    if own:
        # the person rated: only ended quarters (see the module's docstring)
        peer_rows = [r if r["period"] < running else _withheld(r, running) for r in peer_rows]
        released_quarters = [r for r in released_quarters if r["period"] < running]
        for t in trend:
            t["predikat"] = _without_running_peer(t["predikat"], running)
        predikat_rows = [_without_running_peer(r, running) for r in predikat_rows]
    unit = Unit.head(person_doc.unit) if person_doc else None
    return render_template("aggregator/person.html", nip=nip, person=person_doc, unit=unit, period=period,
                           trend=trend, officer=trend[-1]["row"], quarter=quarter,
                           peer=peer_rows[0] if peer_rows else None,
                           predikat=predikat_rows[0] if predikat_rows else None,
                           released_quarters=released_quarters, year=year,
                           value_codes=berakhlak.VALUE_CODES, own=own, running=running, **_helpers())
