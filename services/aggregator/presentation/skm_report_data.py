"""The data of the SKM report of one unit and period, in the shape units publish it
(PermenPAN-RB 14/2017): respondents and their profile, NRR per unsur with the weights used,
IKM, mutu and kinerja, results per service, the lowest unsur as improvement priorities, and
the citizens' comments. :mod:`.skm_report_layout` lays it out as PDF and XLSX; the unit's row
is the indicators API's row (same function, same numbers).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from shared.contracts.formats import CODE_RE
from shared.domain import followup, skm
from shared.domain.periods import dates_of, months_in, previous
from shared.platform.config import Settings
from shared.records.directory import Employee, Service, Unit

from services.aggregator import action_plans
from services.aggregator.queries import publication, reports
from services.aggregator.state import store

MAX_COMMENTS = 500
PROFILE_KEYS = tuple(skm.PROFILE)


# the conversion table of PermenPAN-RB 14/2017: perception value, IKM interval, mutu, kinerja
CONVERSION = (("1,00 – 2,5996", "25,00 – 64,99", "D", "Tidak Baik", "Not good"),
              ("2,60 – 3,064", "65,00 – 76,60", "C", "Kurang Baik", "Less than good"),
              ("3,0644 – 3,532", "76,61 – 88,30", "B", "Baik", "Good"),
              ("3,5324 – 4,00", "88,31 – 100,00", "A", "Sangat Baik", "Very good"))


def load(unit: str, period: str, now: datetime, settings: Settings | None = None) -> dict:
    """:func:`build` for a unit of the directory (or one with responses); 404 otherwise."""
    from shared.platform.errors import ApiError

    from services.aggregator.presentation.dashboard import unit_known

    if not CODE_RE.match(unit) or not unit_known(unit):
        raise ApiError(404, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    return build(unit, period, now, settings)


def build(unit: str, period: str, now: datetime, settings: Settings | None = None) -> dict:
    """Everything the report shows. ``result`` is the unit's row of GET
    /api/v1/indicators/units?unit=&period= (same function, same numbers); with ``settings``,
    the unit's complaint handling beside U8 (GET /api/v1/public/units/<unit>/complaints)."""
    row = reports.units(period, unit)[0]
    record = Unit.head(unit)
    unsur = []
    for code, name, name_en, _, _ in skm.UNSUR:
        unsur.append({"code": code, "name": name, "name_en": name_en, "nrr": row["nrr"].get(code),
                      "weight": row["unsur_weights"][code], "weighted": row["unsur_weighted"][code]})
    names = {code: (name, name_en) for code, name, name_en, _, _ in skm.UNSUR}
    extra = reports.respondent_profile(period, unit)
    service_names = {s.code: (s.name, s.name_en or s.name) for s in Service.heads(unit=unit)}
    services = [{"service": s["service"], "name": service_names.get(s["service"], (s["service"],) * 2)[0],
                 "name_en": service_names.get(s["service"], (s["service"],) * 2)[1], "respondents": s["respondents"],
                 "ikm": s["ikm"], "grade": s["grade"]} for s in reports.services(period, unit)]
    comments, total = _comments(unit, period)
    unit_name = record.name if record else unit
    return {
        "scope": "unit", "unit": unit, "unit_name": unit_name,
        "unit_name_en": (record.name_en or record.name) if record else unit,
        "period": period, "generated_at": now.isoformat(timespec="seconds"), **_common(period, unit, row),
        "plans": action_plans.of(unit, period), "followup": _followup(unit, period, row),
        "signoff": _signoff(record, unit_name),
        "result": row, "unsur": unsur,
        "priorities": [{"code": c, "name": names[c][0], "name_en": names[c][1], "nrr": row["nrr"][c]}
                       for c in row["lowest_unsur"]],
        "profile": _profile_table(extra["profile"], row["respondents"]),
        "channels": extra["channels"], "services": services,
        "comments": comments, "comments_total": max(total, extra["comments"]),
        "complaints": _complaints(settings, unit, period, now),
    }


def _complaints(settings: Settings | None, unit: str, period: str, now: datetime) -> dict | None:
    if settings is None:
        return None
    from services.aggregator.queries import complaints
    found = complaints.unit(settings, unit, period, now)
    return {k: v for k, v in found.items() if k != "answered_tickets"}


def _common(period: str, unit: str | None, row: Mapping) -> dict:
    """What every report carries: the period's dates, the counts the XLSX formulas recompute
    from, and the previous period's figures to compare with."""
    start, end = dates_of(period)
    totals = reports.unit_totals(period, unit)
    before_period = previous(period)
    before = reports.unit_totals(before_period, unit)
    before_result = skm.evaluate(before) if unit is None else reports.units(before_period, unit)[0]
    return {"dates": {"start": start, "end": end},
            "totals": {"sums": {c: totals.sums.get(c, 0) for c in skm.UNSUR_CODES},
                       "counts": {c: totals.counts.get(c, 0) for c in skm.UNSUR_CODES}},
            "previous": {"period": before_period, "respondents": before_result["respondents"],
                         "ikm": before_result["ikm"], "grade": before_result["grade"], "nrr": before_result["nrr"],
                         "change": _change(row.get("ikm"), before_result["ikm"])},
            "conversion": [{"skm": a, "ikm": b, "mutu": m, "kinerja": k, "kinerja_en": e}
                           for a, b, m, k, e in CONVERSION]}


def _change(now: float | None, before: float | None) -> float | None:
    return round(now - before, 2) if now is not None and before is not None else None


def _followup(unit: str, period: str, row: Mapping) -> dict:
    """The previous period's plan and, for the unsur it addressed, their NRR then and now."""
    before_period = previous(period)
    plans = action_plans.of(unit, before_period)
    before = reports.units(before_period, unit)[0]["nrr"] if plans else {}
    return {"period": before_period, "plans": plans,
            "comparison": followup.compare(plans, before, row["nrr"]) if plans else []}


def _signoff(record: Unit | None, unit_name: str) -> dict:
    """'Mengetahui, Kepala <unit>' with the head's name and NIP from the directory (blank lines
    for a wet signature when the unit has no head recorded)."""
    head = Employee.head(record.head_nip) if record is not None and record.head_nip else None
    return {"title": f"Kepala {unit_name}", "title_en": f"Head of {unit_name}",
            "name": head.name if head else None, "nip": head.nip if head else None}


def build_pemda(period: str, now: datetime) -> dict:
    """The Pemda's SKM report: the pooled result (IKM gabungan), the OPD and unit ranking, the
    pooled profile, the comparison with the previous period, and every unit's RTL."""
    rollup = publication.rollup(period)
    totals = reports.unit_totals(period, None)
    result = skm.evaluate(totals)
    result["ikm_units_mean"] = rollup["pemda"]["ikm_units_mean"]
    result["sample"] = {k: rollup["pemda"]["sample"][k] for k in ("population", "target", "adequate")}
    extra = reports.respondent_profile(period, None)
    unsur = [{"code": code, "name": name, "name_en": name_en, "nrr": result["nrr"].get(code),
              "weight": result["unsur_weights"][code], "weighted": result["unsur_weighted"][code]}
             for code, name, name_en, _, _ in skm.UNSUR]
    names = {code: (name, name_en) for code, name, name_en, _, _ in skm.UNSUR}
    comments, total = _comments(None, period)
    return {
        "scope": "pemda", "unit": "PEMDA", "unit_name": "", "unit_name_en": "", "period": period,
        "generated_at": now.isoformat(timespec="seconds"), **_common(period, None, result),
        "result": {"unit": "PEMDA", "period": period, **result}, "unsur": unsur,
        "priorities": [{"code": c, "name": names[c][0], "name_en": names[c][1], "nrr": result["nrr"][c]}
                       for c in result["lowest_unsur"]],
        "profile": _profile_table(extra["profile"], result["respondents"]), "channels": extra["channels"],
        "services": [], "opd": rollup["opd"], "units": rollup["units"],
        "plans": action_plans.of(None, period),
        "followup": {"period": previous(period), "plans": [], "comparison": []},
        "signoff": {"title": "Ketua Tim Evaluasi", "title_en": "Head of the evaluation team", "name": None,
                    "nip": None},
        "comments": comments, "comments_total": max(total, extra["comments"]),
    }


def _profile_table(profile: Mapping[str, Mapping[str, int]], respondents: int) -> dict[str, list[dict]]:
    """Per profile question: each answer with its count (most frequent first), and those who
    left it empty."""
    out = {}
    for key in PROFILE_KEYS:
        counts = dict(profile.get(key) or {})
        rows = [{"value": v, "count": n} for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n]
        missing = respondents - sum(counts.values())
        if missing > 0:
            rows.append({"value": None, "count": missing})
        out[key] = rows
    return out


def _comments(unit: str | None, period: str) -> tuple[list[dict], int]:
    """The newest comments citizens left with their SKM answers (read from the stored responses:
    comments never travel in events); every unit's for ``unit=None``."""
    from shared.records.responses import Response

    query: dict = {"kind": "skm", "comment": {"$exists": True}}
    if unit:
        query["unit"] = unit
    found = [d for d in store.find_months(query, months_in(period),
                                          {"comment": 1, "submitted_at": 1, "service": 1, "unit": 1},
                                          coll=Response._get_collection()) if d.get("comment")]
    found.sort(key=lambda d: d["submitted_at"], reverse=True)
    return ([{"date": d["submitted_at"].strftime("%Y-%m-%d"), "unit": d.get("unit"), "service": d.get("service"),
              "text": d["comment"]}
             for d in found[:MAX_COMMENTS]], len(found))
