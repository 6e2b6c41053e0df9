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
from shared.platform.auth import Principal
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.records.complaints import Complaint
from shared.records.directory import Unit

from services.notifier import ticket_notices, tickets
from services.notifier.models import ComplaintTicket, TicketEntry

log = logging.getLogger(__name__)


def received(settings: Settings, event: Event, now: datetime) -> str:
    """A ``complaint.received`` event: store the ticket and tell the unit's handlers (or the
    administrator when the unit has none). Idempotent."""
    ticket, _new = tickets.store(event, now)
    nips: list[str | None] = list(tickets.handlers_of(ticket.unit)) or [None]
    ticket_notices.tell(settings, ticket, "ticket-received", nips, now=now, kind="received")
    return "ticket_received"


def get(ticket_id: str, who: Principal) -> tuple[ComplaintTicket, complaints.TicketState]:
    ticket = ComplaintTicket.objects(pk=ticket_id).first() if len(ticket_id) <= 40 else None
    if ticket is None:
        raise ApiError(404, "Tiket tidak ditemukan", "No such ticket", code="not_found",
                       errors={"ticket": ["tiket tidak ditemukan / no such ticket"]})
    state = tickets.load(ticket)
    if not tickets.may_handle(ticket, state, who):
        raise ApiError(403, "Tiket ini bukan milik unit Anda", "This ticket is not your unit's", code="forbidden")
    return ticket, state


def _check(kind: str, data: dict, ticket: ComplaintTicket) -> dict:
    if kind == "forwarded":
        unit = Unit.head(data.get("to_unit") or "")
        if unit is None or not unit.active:
            raise ApiError(422, errors={"to_unit": ["unit tidak dikenal atau nonaktif / unknown or closed unit"]})
    if kind == "duplicate":
        if not data.get("of") or ComplaintTicket.objects(pk=data["of"]).only("ticket").first() is None:
            raise ApiError(422, errors={"of": ["tiket tidak dikenal / unknown ticket"]})
    return {k: v for k, v in data.items() if v not in (None, "")}


def act(settings: Settings, ticket_id: str, who: Principal, kind: str, data: dict, now: datetime,
        producer=None) -> tuple[TicketEntry | None, complaints.TicketState, bool]:
    """Apply a handler's action; (entry, state after, whether it was appended now)."""
    ticket, _state = get(ticket_id, who)
    clean = _check(kind, data, ticket)
    if kind == "forwarded":
        clean["from_unit"] = _state.unit
    actor = who.nip or who.sub
    try:
        done = tickets.append(ticket, lambda s: complaints.decide(s, kind, actor, clean), at=now, by=actor,
                              by_nip=who.nip)
    except complaints.Refused as exc:
        raise ApiError(409, exc.message, exc.message_en, code=exc.code, errors={"action": [exc.message_en]}) from None
    if done.created and done.entry is not None:
        after(settings, ticket, done.entry, done.state, now, producer)
    return done.entry, done.state, done.created


def after(settings: Settings, ticket: ComplaintTicket, entry: TicketEntry, state: complaints.TicketState,
          now: datetime, producer=None) -> None:
    """Publish the step and tell who needs to hear of it."""
    if producer is not None:
        try:
            tickets.publish(settings, producer, [entry], now)
        except KafkaError as exc:
            log.warning("status event not published now; the scheduler will", extra={"ticket": ticket.ticket,
                                                                                    "error": type(exc).__name__})
    if entry.kind == "forwarded":
        nips: list[str | None] = list(tickets.handlers_of(state.unit)) or [None]
        ticket_notices.tell(settings, ticket, f"ticket-forwarded-{entry.seq}", nips, now=now, kind="forwarded")
    elif entry.kind == "answered":
        reply = state.reply or ""
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


def _lang_of(ticket: str) -> str:
    """The language the citizen wrote in (the survey service's record), Indonesian by default."""
    doc = Complaint.objects(pk=ticket).only("lang").first()
    return "en" if doc is not None and doc.lang == "en" else "id"
