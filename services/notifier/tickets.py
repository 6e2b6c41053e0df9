"""Complaint tickets, the unit's side: storing a received ticket, who handles it, reading its
state and appending to its history, and publishing each step.

* **Routing**: a ticket belongs to the unit that owns it now (the one it was sent to, or the
  one it was last forwarded to); that unit's head and its complaint handlers (employees an
  admin marks on the unit) hear of it and may act. Escalations add the people told.
* **History**: every action is an entry inserted as ``seq = last + 1`` under the unique
  ``(ticket, seq)``; a lost race decides again against the new state (see
  :mod:`shared.domain.complaints`), so two handlers verifying at once record one verification.
* **Publication**: each handler's entry becomes a ``complaint.status.changed`` event keyed
  by the ticket (the survey tracker shows it to the citizen, the aggregator counts it),
  marked published by an insert-only record; the scheduler publishes what was missed.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mongoengine.errors import NotUniqueError

from shared.contracts import payloads
from shared.contracts.events import Event, new_event
from shared.domain import complaints
from shared.domain.complaints import Decision, Same, TicketState
from shared.messaging.topics import Topics
from shared.platform import db
from shared.platform.auth import ADMIN, Principal
from shared.platform.config import Settings
from shared.records.directory import Employee, Unit

from services.notifier.models import ComplaintTicket, TicketEntry, TicketPublished

log = logging.getLogger(__name__)
MAX_TRIES = 25
PRODUCER = "notifier"
REPUBLISH_LOOKBACK = timedelta(days=30)


def _dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def store(event: Event, now: datetime) -> tuple[ComplaintTicket, bool]:
    """Insert the ticket of a ``complaint.received`` event once; (ticket, inserted now)."""
    p = event.payload
    existing = ComplaintTicket.objects(pk=p["ticket"]).first()
    if existing is not None:
        return existing, False
    doc = ComplaintTicket(ticket=p["ticket"], unit=p["unit"], service=p.get("service"), officer=p.get("officer"),
                          kind=p["kind"], unsur=p.get("unsur"), channel=p["channel"], period=p["period"],
                          received_at=_dt(p["received_at"]), has_contact=bool(p.get("has_contact")),
                          event_id=str(event.event_id), opened_at=now)
    try:
        doc.save(force_insert=True)
    except NotUniqueError:
        return ComplaintTicket.objects(pk=p["ticket"]).get(), False
    log.info("complaint ticket stored", extra={"ticket": doc.ticket, "unit": doc.unit})
    return doc, True


def handlers_of(unit: str | None) -> list[str]:
    """The unit head first, then the unit's complaint handlers (active employees only)."""
    u = Unit.head(unit) if unit else None
    if u is None:
        return []
    nips = list(dict.fromkeys([n for n in [u.head_nip, *(u.complaint_handlers or [])] if n]))
    active = {e.nip for e in Employee.heads(nip__in=nips) if e.active}
    return [n for n in nips if n in active]


def load(ticket: ComplaintTicket) -> TicketState:
    return complaints.fold(ticket.ticket, ticket.unit, ticket.received_at, TicketEntry.objects(ticket=ticket.ticket))


def load_many(tickets: Iterable[ComplaintTicket]) -> dict[str, TicketState]:
    tickets = list(tickets)
    entries: dict[str, list[TicketEntry]] = {t.ticket: [] for t in tickets}
    ids = list(entries)
    for start in range(0, len(ids), 200):
        for e in TicketEntry.objects(ticket__in=ids[start:start + 200]):
            entries[e.ticket].append(e)
    return {t.ticket: complaints.fold(t.ticket, t.unit, t.received_at, entries[t.ticket]) for t in tickets}


def told(state: TicketState) -> set[str]:
    """Everyone an escalation told about the ticket since it reached its current unit (after
    a forward, the new unit's handlers own it)."""
    return state.told


def may_handle(ticket: ComplaintTicket, state: TicketState, who: Principal) -> bool:
    if who.has(ADMIN):
        return True
    return bool(who.nip) and (who.nip in handlers_of(state.unit) or who.nip in told(state))


def visible(who: Principal) -> list[ComplaintTicket]:
    """The tickets ``who`` handles: every one for an admin; else those of the units they head
    or handle now, and those an escalation told them of."""
    everything = list(ComplaintTicket.objects.order_by("-received_at"))
    if who.has(ADMIN):
        return everything
    if not who.nip:
        return []
    states = load_many(everything)
    me = Employee.head(who.nip)
    active = me is not None and bool(me.active)        # an inactive head or handler handles nothing
    mine = {u.code for u in Unit.heads()
            if active and (who.nip == u.head_nip or who.nip in (u.complaint_handlers or []))}
    return [t for t in everything if states[t.ticket].unit in mine or who.nip in told(states[t.ticket])]


@dataclass
class Appended:
    entry: TicketEntry | None
    state: TicketState
    created: bool


def append(ticket: ComplaintTicket, decide: Callable[[TicketState], Decision], *, at: datetime, by: str,
           by_nip: str | None = None, to_nip: str | None = None) -> Appended:
    """Append what ``decide(state)`` returns (``Refused`` from it propagates)."""
    for _ in range(MAX_TRIES):
        state = load(ticket)
        decision = decide(state)
        if isinstance(decision, Same):
            return Appended(TicketEntry.objects(ticket=ticket.ticket, seq=decision.seq).first(), state, False)
        kind, data = decision[0], decision[1]
        told = decision[2] if len(decision) > 2 else to_nip   # type: ignore[misc]   # (kind, data, to_nip)
        entry = TicketEntry(ticket=ticket.ticket, seq=state.next_seq, kind=kind, at=at, by=by, by_nip=by_nip,
                            to_nip=told, data=data)
        try:
            entry.save(force_insert=True)
        except NotUniqueError:
            continue
        return Appended(entry, load(ticket), True)
    raise RuntimeError(f"could not append to the ticket's history after {MAX_TRIES} tries")


# -- publication -------------------------------------------------------------------------------

def status_event(entry: TicketEntry, state: TicketState) -> Event:
    """The public step of ``entry``: state and owning unit after it, and public text only."""
    after = complaints.fold(state.ticket, state.units[0], state.received_at,
                            TicketEntry.objects(ticket=entry.ticket, seq__lte=entry.seq))
    d = entry.data or {}
    text = {"rejected": d.get("reason"), "followed_up": d.get("public"), "answered": d.get("reply")}.get(entry.kind)
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    payload = {"ticket": entry.ticket, "seq": entry.seq, "kind": entry.kind, "state": after.state, "unit": after.unit,
               "at": at.isoformat(), "text": text or None, "duplicate_of": d.get("of")}
    return new_event(payloads.COMPLAINT_STATUS, entry.ticket, payload, producer=PRODUCER,
                     event_id=_event_id(entry.ticket, entry.seq))


def _event_id(ticket: str, seq: int):
    import uuid
    return uuid.uuid5(uuid.UUID("3f1c2b8e-6a0d-4c59-8e77-2b9d5a4c1e03"), f"{ticket}|{seq}")


def publish(settings: Settings, producer, entries: list[TicketEntry], now: datetime, timeout_s: float = 10) -> int:
    """Send the status events of ``entries`` (handlers' actions only) and mark them published.
    Returns how many were sent; a broker that does not take them leaves them for the scheduler."""
    topic = Topics.from_settings(settings).complaints
    actions = [e for e in entries if e.kind in complaints.PUBLISHED_KINDS]
    if not actions:
        return 0
    tickets = {t.ticket: t for t in ComplaintTicket.objects(ticket__in=list({e.ticket for e in actions}))}
    sent = []
    for entry in actions:
        ticket = tickets.get(entry.ticket)
        if ticket is None:
            continue
        event = status_event(entry, load(ticket))
        sent.append((entry, producer.send(topic, key=entry.ticket, value=event.encode(),
                                          headers=[("type", event.type.encode())])))
    producer.flush(timeout=timeout_s)
    done = [{"_id": f"{e.ticket}|{e.seq}", "at": now} for e, f in sent if f.succeeded()]
    if done:
        db.insert_new(TicketPublished._get_collection(), done)
    return len(done)


def unpublished(now: datetime) -> list[TicketEntry]:
    """Handlers' entries of the last 30 days whose event is not known to have reached Kafka."""
    recent = list(TicketEntry.objects(kind__in=list(complaints.PUBLISHED_KINDS), at__gte=now - REPUBLISH_LOOKBACK))
    if not recent:
        return []
    ids = [f"{e.ticket}|{e.seq}" for e in recent]
    published = set()
    for start in range(0, len(ids), 500):
        published |= {d["_id"] for d in TicketPublished._get_collection().find(
            {"_id": {"$in": ids[start:start + 500]}}, {"_id": 1})}
    return sorted((e for e in recent if f"{e.ticket}|{e.seq}" not in published), key=lambda e: (e.ticket, e.seq))

