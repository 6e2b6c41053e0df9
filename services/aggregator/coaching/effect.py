"""Did coaching help? The effect of closed cases, per rule and per supervisor: pure, no I/O.

A case is opened when its rule finds a problem and closed when the same rule finds it gone
(the indicator recovered), so for every case:

* **recovered**: it was closed; the share is of the cases opened;
* **time to recovery**: local days from opening to closing (the median, exact);
* **came back**: after it closed, the same rule opened another case about the same subject;
  the share is of the recovered cases;
* **change**: the rule's own indicator when it closed against when it opened (the officer
  index, the unit's IKM, the share of complaints answered in time), for rules with one
  number; the mean of the changes is computed exactly and rounded half-up once.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.domain.complaints import Share, local_day, median_half

from services.aggregator.coaching import rules

INDICATOR = {rules.OFFICER_LOW: "index", rules.OFFICER_DROP: "index", rules.UNIT_IKM_LOW: "ikm",
             rules.COMPLAINTS_SLA: "percent"}


@dataclass(frozen=True)
class CaseRecord:
    case_id: str
    rule: str
    kind: str
    subject: str
    opened_at: datetime
    closed_at: datetime | None
    before: float | None       # the rule's indicator when the case opened
    after: float | None        # ... and when it closed
    supervisor: str | None     # the subject's direct supervisor (a unit case: the unit head)


def indicator(kind: str, evidence: dict[str, Any] | None) -> float | None:
    key = INDICATOR.get(kind)
    value = ((evidence or {}).get("values") or {}).get(key) if key else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _mean(values: list[Decimal]) -> float | None:
    if not values:
        return None
    total = sum(values, Decimal(0))
    return float((total / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def stats(group: list[CaseRecord], everything: Iterable[CaseRecord], tz: str) -> dict[str, Any]:
    later: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for r in everything:
        later[r.rule, r.subject].append(r.opened_at)
    closed = [r for r in group if r.closed_at is not None]
    days = [(local_day(r.closed_at, tz) - local_day(r.opened_at, tz)).days for r in closed if r.closed_at]
    came_back = sum(1 for r in closed if r.closed_at and any(o > r.closed_at for o in later[r.rule, r.subject]))
    changes = [Decimal(repr(r.after)) - Decimal(repr(r.before)) for r in closed
               if r.before is not None and r.after is not None]
    recovered, back = Share(len(closed), len(group)), Share(came_back, len(closed))
    return {"cases": len(group), "recovered": len(closed), "recovered_percent": recovered.percent,
            "median_days_to_recovery": median_half(days), "came_back": came_back,
            "came_back_percent": back.percent, "mean_change": _mean(changes), "changes": len(changes)}


def effect(group: list[CaseRecord], everything: list[CaseRecord], tz: str) -> dict[str, Any]:
    """Per rule and per supervisor (a case without a known supervisor: ``None``)."""
    by_rule: dict[str, list[CaseRecord]] = defaultdict(list)
    by_supervisor: dict[str | None, list[CaseRecord]] = defaultdict(list)
    for r in group:
        by_rule[r.rule].append(r)
        by_supervisor[r.supervisor].append(r)
    return {"total": stats(group, everything, tz),
            "rules": [{"rule": rule, "kind": found[0].kind, **stats(found, everything, tz)}
                      for rule, found in sorted(by_rule.items())],
            "supervisors": [{"supervisor": nip, **stats(found, everything, tz)}
                            for nip, found in sorted(by_supervisor.items(), key=lambda kv: kv[0] or "")]}
