"""The aggregator's record of complaint tickets: one fact per event of the complaints topic
(``ticket|0`` for the receipt, ``ticket|seq`` for each handling step), inserted by the worker
that owns the partition; a redelivered event inserts nothing (claim by ``_id``).

Facts carry what the events carry: the unit, kind and unsur, the state after each step, and
the public reply; never a citizen's text or contact. The figures are folded from them in
Python when asked (:mod:`..queries.complaints`): tickets are few next to responses.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from mongoengine import DateTimeField, Document, IntField, StringField

from shared.contracts import payloads
from shared.contracts.events import Event
from shared.domain import complaints
from shared.domain.periods import months_in
from shared.platform import db
from shared.platform.config import Settings


class ComplaintFact(Document):
    meta = {"collection": "agg_complaint_facts", "indexes": ["ticket", ("kind_of_fact", "period"), "unit"]}
    id = StringField(primary_key=True)       # ticket|seq (0: received)
    ticket = StringField(required=True)
    seq = IntField(required=True)
    kind_of_fact = StringField(required=True)   # received | a step's kind
    unit = StringField(required=True)        # received: the unit sent to; a step: the unit owning it after
    kind = StringField()                     # received only: pengaduan | aspirasi | informasi
    unsur = StringField()
    period = StringField()                   # received only: the month of receipt
    state = StringField()
    at = DateTimeField(required=True)
    text = StringField()                     # a step's public text (the reply)
    duplicate_of = StringField()


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def fact_of(event: Event) -> dict | None:
    p = event.payload
    if event.type == payloads.COMPLAINT_RECEIVED:
        return {"_id": f"{p['ticket']}|0", "ticket": p["ticket"], "seq": 0, "kind_of_fact": "received",
                "unit": p["unit"], "kind": p["kind"], "unsur": p.get("unsur"), "period": p["period"],
                "state": "diterima", "at": _dt(p["received_at"])}
    if event.type == payloads.COMPLAINT_STATUS:
        return {"_id": f"{p['ticket']}|{p['seq']}", "ticket": p["ticket"], "seq": p["seq"], "kind_of_fact": p["kind"],
                "unit": p["unit"], "state": p["state"], "at": _dt(p["at"]), "text": p.get("text"),
                "duplicate_of": p.get("duplicate_of")}
    return None


def record(facts: list[dict]) -> None:
    if facts:
        db.insert_new(ComplaintFact._get_collection(), facts)


class _Entry:
    def __init__(self, fact: ComplaintFact):
        self.seq, self.kind, self.at, self.by = fact.seq, fact.kind_of_fact, fact.at, ""
        self.data = {"to_unit": fact.unit, "reply": fact.text, "reason": fact.text, "public": fact.text,
                     "of": fact.duplicate_of}


def states(period: str) -> list[complaints.TicketState]:
    """Every ticket received in ``period``, folded."""
    received = list(ComplaintFact.objects(kind_of_fact="received", period__in=months_in(period)))
    steps: dict[str, list[_Entry]] = defaultdict(list)
    tickets = [f.ticket for f in received]
    for start in range(0, len(tickets), 500):
        for f in ComplaintFact.objects(ticket__in=tickets[start:start + 500], seq__gt=0):
            steps[f.ticket].append(_Entry(f))
    out = []
    for f in received:
        s = complaints.fold(f.ticket, f.unit, f.at, steps[f.ticket])
        s.kind, s.unsur = f.kind, f.unsur
        out.append(s)
    return out


def sla_shares(settings: Settings, tickets: set[str], now: datetime) -> dict[tuple[str, str], Any]:
    """(unit, month) -> the answered-in-time share, for the months ``tickets`` were received
    in (what the ``complaints_sla`` coaching rule decides on)."""
    months = set(ComplaintFact.objects(id__in=[f"{t}|0" for t in tickets]).distinct("period"))
    today = complaints.local_day(now, settings.timezone)
    out: dict[tuple[str, str], Any] = {}
    for month in sorted(months):
        grouped: dict[str, list[complaints.TicketState]] = defaultdict(list)
        for s in states(month):
            grouped[s.unit].append(s)
        for unit, found in grouped.items():
            figures = complaints.figures(found, today, settings.timezone, settings.complaint_verify_days,
                                         settings.complaint_answer_days, settings.holiday_dates)
            out[unit, month] = figures["answered_in_time"]
    return out
