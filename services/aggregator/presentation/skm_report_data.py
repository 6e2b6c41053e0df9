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
from shared.domain import skm
from shared.domain.periods import months_in
from shared.records.directory import Service, Unit

from services.aggregator.queries import reports
from services.aggregator.state import store

MAX_COMMENTS = 500
PROFILE_KEYS = tuple(skm.PROFILE)


def load(unit: str, period: str, now: datetime) -> dict:
    """:func:`build` for a unit of the directory (or one with responses); 404 otherwise."""
    from shared.platform.errors import ApiError

    from services.aggregator.presentation.dashboard import unit_known

    if not CODE_RE.match(unit) or not unit_known(unit):
        raise ApiError(404, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    return build(unit, period, now)


def build(unit: str, period: str, now: datetime) -> dict:
    """Everything the report shows. ``result`` is the unit's row of GET
    /api/v1/indicators/units?unit=&period= (same function, same numbers)."""
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
    return {
        "unit": unit, "unit_name": record.name if record else unit,
        "unit_name_en": (record.name_en or record.name) if record else unit,
        "period": period, "generated_at": now.isoformat(timespec="seconds"),
        "result": row, "unsur": unsur,
        "priorities": [{"code": c, "name": names[c][0], "name_en": names[c][1], "nrr": row["nrr"][c]}
                       for c in row["lowest_unsur"]],
        "profile": _profile_table(extra["profile"], row["respondents"]),
        "channels": extra["channels"], "services": services,
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


def _comments(unit: str, period: str) -> tuple[list[dict], int]:
    """The newest comments citizens left with their SKM answers (read from the stored responses:
    comments never travel in events)."""
    from shared.records.responses import Response

    query = {"unit": unit, "kind": "skm", "comment": {"$exists": True}}
    found = [d for d in store.find_months(query, months_in(period), {"comment": 1, "submitted_at": 1, "service": 1},
                                          coll=Response._get_collection()) if d.get("comment")]
    found.sort(key=lambda d: d["submitted_at"], reverse=True)
    return ([{"date": d["submitted_at"].strftime("%Y-%m-%d"), "service": d.get("service"), "text": d["comment"]}
             for d in found[:MAX_COMMENTS]], len(found))
