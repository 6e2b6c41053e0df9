"""What a handler does to a ticket (shared by the API and the pages), and what the notifier
does when a ticket arrives.

Each action is checked (who may act: :func:`.tickets.may_handle`; what the action names:
an active unit to forward to, an existing ticket to duplicate), decided against the ticket's
state and appended to its history; then its status event is published (when Kafka is away
the scheduler publishes it later) and the people concerned are told.
"""
from __future__ import annotations

import logging
from datetime import datetime

from kafka.errors import KafkaError

from shared.contracts.events import Event
from shared.domain import complaints
from shared.platform import db
from shared.platform.auth import Principal
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.records.complaints import Complaint
from shared.records.directory import Unit

from services.notifier import ticket_notices, tickets
from services.notifier.models import ComplaintTicket, TicketEntry, TicketTold

log = logging.getLogger(__name__)


def received(settings: Settings, event: Event, now: datetime) -> str:
    """A ``complaint.received`` event: store the ticket and tell the unit's handlers (or the
    administrator when the unit has none). Idempotent."""
    ticket, _new = tickets.store(event, now)
    nips: list[str | None] = list(tickets.handlers_of(ticket.unit)) or [None]
    ticket_notices.tell(settings, ticket, "ticket-received", nips, now=now, kind="received")
    return "ticket_received"


NOT_YOURS = ("Tiket ini bukan milik unit Anda", "This ticket is not your unit's")


def _load(ticket_id: str) -> tuple[ComplaintTicket, complaints.TicketState]:
    ticket = ComplaintTicket.objects(pk=ticket_id).first() if len(ticket_id) <= 40 else None
    if ticket is None:
        raise ApiError(404, "Tiket tidak ditemukan", "No such ticket", code="not_found",
                       errors={"ticket": ["tiket tidak ditemukan / no such ticket"]})
    return ticket, tickets.load(ticket)


def get(ticket_id: str, who: Principal) -> tuple[ComplaintTicket, complaints.TicketState]:
    ticket, state = _load(ticket_id)
    if not tickets.may_handle(ticket, state, who):
        raise ApiError(403, *NOT_YOURS, code="forbidden")
    return ticket, state


def _check(kind: str, data: dict, who: Principal) -> dict:
    if kind == "forwarded":
        unit = Unit.head(data.get("to_unit") or "")
        if unit is None or not unit.active:
            raise ApiError(422, errors={"to_unit": ["unit tidak dikenal atau nonaktif / unknown or closed unit"]})
    if kind == "duplicate":
        original = ComplaintTicket.objects(pk=data.get("of") or "").first()
        known = original is not None and tickets.may_handle(original, tickets.load(original), who)
        if not known or original is None:     # another unit's ticket is as unknown as a missing one
            raise ApiError(422, errors={"of": ["tiket tidak dikenal / unknown ticket"]})
        root = tickets.load(original)
        if root.duplicate_of:
            raise ApiError(422, errors={"of": [f"tiket itu sendiri duplikat {root.duplicate_of}; tandai sebagai "
                                               f"duplikat tiket itu / that ticket is itself a duplicate of "
                                               f"{root.duplicate_of}: mark it a duplicate of that one"]})
        if root.state == complaints.REJECTED:
            raise ApiError(422, errors={"of": ["tiket itu ditolak / that ticket was rejected"]})
    return {k: v for k, v in data.items() if v not in (None, "")}


class _NotYours(Exception):
    """The ticket moved to another unit while the action was being decided."""


def act(settings: Settings, ticket_id: str, who: Principal, kind: str, data: dict, now: datetime,
        producer=None) -> tuple[TicketEntry | None, complaints.TicketState, bool]:
    """Apply a handler's action; (entry, state after, whether it was appended now).

    Who may act is checked against the state the action is decided on (again after every
    lost race), so a ticket forwarded meanwhile cannot be answered by its former unit. A
    forward sent again by the one who forwarded it answers with the earlier result."""
    ticket, state = _load(ticket_id)
    actor = who.nip or who.sub
    if kind == "forwarded" and not tickets.may_handle(ticket, state, who):
        earlier = state.last_by.get("forwarded")
        if earlier and earlier[0] == actor and state.unit == data.get("to_unit"):
            return TicketEntry.objects(ticket=ticket.ticket, seq=earlier[1]).first(), state, False
    if not tickets.may_handle(ticket, state, who):
        raise ApiError(403, *NOT_YOURS, code="forbidden")
    clean = _check(kind, data, who)
    if kind == "forwarded":
        clean["from_unit"] = state.unit

    def decide(current: complaints.TicketState) -> complaints.Decision:
        if not tickets.may_handle(ticket, current, who):
            raise _NotYours()
        return complaints.decide(current, kind, actor, clean)

    try:
        done = tickets.append(ticket, decide, at=now, by=actor, by_nip=who.nip)
    except complaints.Refused as exc:
        raise ApiError(409, exc.message, exc.message_en, code=exc.code, errors={"action": [exc.message_en]}) from None
    except _NotYours:
        raise ApiError(403, *NOT_YOURS, code="forbidden") from None
    if done.created and done.entry is not None:
        after(settings, ticket, done.entry, done.state, now, producer)
    return done.entry, done.state, done.created


def after(settings: Settings, ticket: ComplaintTicket, entry: TicketEntry, state: complaints.TicketState,
          now: datetime, producer=None) -> None:
    """Publish the step and tell who needs to hear of it. Both are repeated by the scheduler
    for an entry whose publication or notices were not recorded (the process stopped)."""
    if producer is not None:
        try:
            tickets.publish(settings, producer, [entry], now)
        except KafkaError as exc:
            log.warning("status event not published now; the scheduler will", extra={"ticket": ticket.ticket,
                                                                                    "error": type(exc).__name__})
    tell(settings, ticket, entry, state, now)


NOTIFYING_KINDS = ("forwarded", "answered", "duplicate")


def tell(settings: Settings, ticket: ComplaintTicket, entry: TicketEntry, state: complaints.TicketState,
         now: datetime) -> None:
    """The notices of a handler's entry (claimed under their keys, so telling twice tells once);
    then the entry is marked told."""
    if entry.kind == "forwarded":
        nips: list[str | None] = list(tickets.handlers_of(entry.data.get("to_unit"))) or [None]
        ticket_notices.tell(settings, ticket, f"ticket-forwarded-{entry.seq}", nips, now=now, kind="forwarded")
    elif entry.kind == "answered":
        reply = str(entry.data.get("reply") or "")
        if ticket.has_contact:
            ticket_notices.mail_citizen(settings, ticket.ticket, reply, _lang_of(ticket.ticket), now)
        for dup in TicketEntry.objects(kind="duplicate", data__of=ticket.ticket):
            other = ComplaintTicket.objects(pk=dup.ticket).first()
            if other is not None and other.has_contact:
                ticket_notices.mail_citizen(settings, other.ticket, reply, _lang_of(other.ticket), now,
                                            original=ticket.ticket)
    elif entry.kind == "duplicate" and ticket.has_contact:
        original = ComplaintTicket.objects(pk=entry.data.get("of")).first()
        if original is not None:
            answer = tickets.load(original).reply
            if answer:
                ticket_notices.mail_citizen(settings, ticket.ticket, answer, _lang_of(ticket.ticket), now,
                                            original=original.ticket)
    if entry.kind in NOTIFYING_KINDS:
        db.insert_one_new(TicketTold._get_collection(), {"_id": f"{entry.ticket}|{entry.seq}", "at": now})


def untold(now: datetime) -> list[tuple[ComplaintTicket, TicketEntry]]:
    """Recent forwards, answers and duplicates whose notices were not recorded as claimed."""
    recent = list(TicketEntry.objects(kind__in=list(NOTIFYING_KINDS), at__gte=now - tickets.REPUBLISH_LOOKBACK))
    if not recent:
        return []
    done = {d["_id"] for d in TicketTold._get_collection().find(
        {"_id": {"$in": [f"{e.ticket}|{e.seq}" for e in recent]}}, {"_id": 1})}
    missing = [e for e in recent if f"{e.ticket}|{e.seq}" not in done]
    found = {t.ticket: t for t in ComplaintTicket.objects(ticket__in=list({e.ticket for e in missing}))}
    return [(found[e.ticket], e) for e in missing if e.ticket in found]


def _lang_of(ticket: str) -> str:
    """The language the citizen wrote in (the survey service's record), Indonesian by default."""
    doc = Complaint.objects(pk=ticket).only("lang").first()
    return "en" if doc is not None and doc.lang == "en" else "id"
