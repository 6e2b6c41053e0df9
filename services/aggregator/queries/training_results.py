"""Level 4 of a training programme: did the participants' citizen indicators move more than
their colleagues'? (:func:`shared.domain.training.did`)

Windows of ``months`` whole months: the ones before the month the programme started, and the
ones after the month it ended. Each officer's indicator on a side is pooled over that side's
months (the officer index, and the NRR of each unsur the programme addresses, x 25); an
officer counts on a side with at least ``min_responses`` responses there. Participants are the
programme's; the comparison group is every other officer rated in the same units in both
windows. The programme itself is the survey service's record, read here.
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from shared.domain import skm, training
from shared.domain.periods import previous
from shared.records.directory import Employee
from shared.records.trainings import TrainingProgramme

from services.aggregator.state import fold, results, store

DEFAULT_MONTHS = 3
MIN_RESPONSES = 10


def _month(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.year:04d}-{d.month:02d}"


def _next(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year + (m == 12):04d}-{m % 12 + 1:02d}"


def windows(start: str, end: str, months: int) -> tuple[list[str], list[str]]:
    before = [previous(_month(start))]
    while len(before) < months:
        before.insert(0, previous(before[0]))
    after = [_next(_month(end))]
    while len(after) < months:
        after.append(_next(after[-1]))
    return before, after


def _pooled(months: list[str], units: set[str]) -> dict[str, skm.Totals]:
    out: dict[str, skm.Totals] = {}
    for month in months:
        docs = [d for d in store.collection(fold.SKM_OFFICERS, month).find({"kind": fold.SKM_OFFICERS,
                                                                             "period": month})
                if d["scope"] in units]
        for nip, totals in results.officer_totals(docs).items():
            out[nip] = out.get(nip, skm.Totals()).merge(totals)
    return out


def _unsur_index(totals: skm.Totals, code: str) -> Fraction | None:
    count = totals.counts.get(code, 0)
    return Fraction(totals.sums.get(code, 0), count) * 25 if count else None


def level4(code: str, months: int = DEFAULT_MONTHS, min_responses: int = MIN_RESPONSES) -> dict[str, Any] | None:
    from shared.contracts.formats import CODE_RE
    programme = TrainingProgramme.head(code) if CODE_RE.match(code) else None
    if programme is None:
        return None
    participants = set(programme.participants or [])
    units = {e.unit for e in Employee.heads(nip__in=sorted(participants))} if participants else set()
    before_w, after_w = windows(programme.start, programme.end, months)
    before, after = _pooled(before_w, units), _pooled(after_w, units)
    indicators: dict[str, Any] = {"officer_index": results.officer_index_exact}
    for unsur in programme.unsur or []:
        indicators[unsur] = lambda t, u=unsur: _unsur_index(t, u)
    out = []
    for name, measure in indicators.items():
        sides: dict[str, dict[str, tuple[Fraction, Fraction]]] = {"p": {}, "c": {}}
        for nip in set(before) & set(after):
            b, a = before[nip], after[nip]
            if b.respondents < min_responses or a.respondents < min_responses:
                continue
            vb, va = measure(b), measure(a)
            if vb is None or va is None:
                continue
            sides["p" if nip in participants else "c"][nip] = (vb, va)
        out.append({"indicator": name, **training.did(sides["p"], sides["c"])})
    return {"programme": code, "before": [before_w[0], before_w[-1]], "after": [after_w[0], after_w[-1]],
            "min_responses": min_responses, "indicators": out}
