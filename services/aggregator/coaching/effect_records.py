"""The coaching effect of the cases opened in a period (see :mod:`..coaching.effect`)."""
from __future__ import annotations

from datetime import UTC
from typing import Any

from shared.domain.periods import month_of, months_in
from shared.records.directory import Employee, Unit

from services.aggregator.coaching.cases import CaseClosure, CaseOpening
from services.aggregator.coaching.effect import CaseRecord, effect, indicator
from services.aggregator.coaching.rules import RECOGNITION_KINDS


def records() -> list[CaseRecord]:
    coaching = {"kind": {"$nin": list(RECOGNITION_KINDS)}}      # appreciations are not coaching
    cases = list(CaseOpening._get_collection().find(coaching, {"rule": 1, "kind": 1, "subject": 1, "subject_type": 1,
                                                         "opened_at": 1, "evidence": 1}))
    closures = {c["_id"]: c for c in CaseClosure._get_collection().find({}, {"closed_at": 1, "evidence": 1})}
    people = {c["subject"] for c in cases if c["subject_type"] == "employee"}
    units = {c["subject"] for c in cases if c["subject_type"] == "unit"}
    supervisors = {e.nip: e.supervisor_nip for e in Employee.heads(nip__in=sorted(people))} if people else {}
    heads = {u.code: u.head_nip for u in Unit.heads(code__in=sorted(units))} if units else {}
    out = []
    for c in cases:
        closure = closures.get(c["_id"])
        out.append(CaseRecord(
            case_id=c["_id"], rule=c["rule"], kind=c["kind"], subject=c["subject"], opened_at=c["opened_at"],
            closed_at=closure["closed_at"] if closure else None, before=indicator(c["kind"], c.get("evidence")),
            after=indicator(c["kind"], closure.get("evidence")) if closure else None,
            supervisor=(supervisors.get(c["subject"]) if c["subject_type"] == "employee" else heads.get(c["subject"]))))
    return out


def of_period(period: str, tz: str) -> dict[str, Any]:
    everything = records()
    months = set(months_in(period))
    group = [r for r in everything
             if month_of(r.opened_at if r.opened_at.tzinfo else r.opened_at.replace(tzinfo=UTC), tz) in months]
    return {"period": period, **effect(group, everything, tz)}
