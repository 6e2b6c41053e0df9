"""Complaint handling per unit and period, folded from the aggregator's complaint facts.

A ticket counts for the unit that owns it now (after forwards: the unit that answers it) and
for the period it was received in. The public sees the figures and the answered tickets
(ticket, kind, unsur, the unit's reply): never a citizen's text.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from shared.domain import complaints
from shared.platform.config import Settings

from services.aggregator.state.complaint_facts import states


def _today(settings: Settings, now: datetime):
    return complaints.local_day(now, settings.timezone)


def by_unit(settings: Settings, period: str, now: datetime) -> dict[str, dict[str, Any]]:
    """unit -> figures (see :func:`shared.domain.complaints.figures`), for units with tickets."""
    grouped: dict[str, list[complaints.TicketState]] = defaultdict(list)
    for s in states(period):
        grouped[s.unit].append(s)
    return {unit: complaints.figures(found, _today(settings, now), settings.timezone, settings.complaint_verify_days,
                                     settings.complaint_answer_days, settings.holiday_dates)
            for unit, found in sorted(grouped.items())}


def unit(settings: Settings, code: str, period: str, now: datetime) -> dict[str, Any]:
    found = [s for s in states(period) if s.unit == code]
    figures = complaints.figures(found, _today(settings, now), settings.timezone, settings.complaint_verify_days,
                                 settings.complaint_answer_days, settings.holiday_dates)
    replies = {s.ticket: s.reply for s in found if s.reply}
    answered = [{"ticket": s.ticket, "kind": s.kind, "unsur": s.unsur, "answered_at": s.answered_at,
                 "reply": s.reply if s.reply else replies.get(s.duplicate_of or ""),
                 "duplicate_of": s.duplicate_of}
                for s in sorted(found, key=lambda s: (s.answered_at or s.received_at, s.ticket), reverse=True)
                if s.state == complaints.DONE and (s.reply or s.duplicate_of in replies)]
    return {"unit": code, "period": period, **plain(figures), "answered_tickets": answered}


def plain(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as JSON values (shares as counts and percentages)."""
    out = dict(figures)
    for key in ("verified_in_time", "answered_in_time"):
        share = figures[key]
        out[key] = {"done": share.done, "of": share.of, "percent": share.percent}
    return out
