"""The complaint deadlines, run by the notifier's scheduler with its clock.

For every open ticket: the deadline it waits on (verification, then the answer, in working
days: :mod:`shared.domain.complaints`); on the last working day before it, one reminder to
the unit's handlers; once it has passed, an escalation up the chain above the unit head
(their supervisor, then the next one up, one more level every ``NOTIFIER_ESCALATE_AFTER_DAYS``
working days while it stays overdue) and, the first time, to the administrator. Each is an
entry claimed under ``(ticket, seq)``, so two schedulers never remind or escalate twice.
Status events missed when Kafka was away are published here too (each escalation is one:
the aggregator decides the complaints-sla rule again on it), and the notices of a forward,
an answer or a duplicate whose web process stopped before telling anyone are claimed.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from kafka.errors import KafkaError

from shared.domain import complaints
from shared.platform.config import Settings

from services.notifier import routing, ticket_actions, ticket_notices, tickets
from services.notifier.models import ComplaintTicket, TicketEntry

log = logging.getLogger(__name__)


def open_tickets() -> list[ComplaintTicket]:
    closed = set(TicketEntry.objects(kind__in=["rejected", "answered", "duplicate"]).distinct("ticket"))
    return [t for t in ComplaintTicket.objects.order_by("received_at") if t.ticket not in closed]


def tick(settings: Settings, now: datetime, directory: routing.Directory | None = None,
         producer=None) -> Counter:
    directory = directory or routing.LiveDirectory()
    counts: Counter = Counter()
    holidays = settings.holiday_dates
    tz = settings.timezone
    today = complaints.local_day(now, tz)
    found = open_tickets()
    states = tickets.load_many(found)
    for ticket in found:
        state = states[ticket.ticket]
        deadline = complaints.pending_deadline(state, tz, settings.complaint_verify_days,
                                               settings.complaint_answer_days, holidays)
        if deadline is None:
            continue
        if complaints.reminder_due(state, deadline, today, holidays):
            counts["ticket_reminded"] += remind(settings, ticket, deadline, now)
        elif complaints.escalation_due(state, deadline, today, settings.escalate_after_days, tz, holidays):
            counts["ticket_escalated"] += escalate(settings, ticket, state, deadline, now, directory)
    for ticket, entry in ticket_actions.untold(now):   # a web process stopped before it told anyone
        ticket_actions.tell(settings, ticket, entry, tickets.load(ticket), now)
        counts["ticket_told_late"] += 1
    if producer is not None:
        missed = tickets.unpublished(now)
        if missed:
            try:
                counts["ticket_published"] += tickets.publish(settings, producer, missed, now)
            except KafkaError as exc:
                log.warning("ticket status events still not published", extra={"error": type(exc).__name__})
    return counts


def remind(settings: Settings, ticket: ComplaintTicket, deadline: complaints.Deadline, now: datetime) -> int:
    def decide(state):
        if (deadline.name, deadline.stage_seq) in state.reminded:
            raise complaints.Refused("sudah diingatkan", "already reminded", code="not_due")
        return ("reminded", {"deadline": deadline.name, "stage_seq": deadline.stage_seq,
                             "due": deadline.due.isoformat()})

    try:
        done = tickets.append(ticket, decide, at=now, by="scheduler")
    except complaints.Refused:
        return 0
    if not done.created:
        return 0
    label = ticket_notices.DEADLINES[deadline.name]
    ticket_notices.tell(settings, ticket, f"ticket-reminder-{deadline.name}-{deadline.stage_seq}",
                        list(tickets.handlers_of(done.state.unit)) or [None], now=now, kind="reminder",
                        detail=(f"Batas waktu {label[0]}: {deadline.due:%d-%m-%Y}",
                                f"Deadline for the {label[1]}: {deadline.due:%d-%m-%Y}"))
    return 1


def escalate(settings: Settings, ticket: ComplaintTicket, state: complaints.TicketState,
             deadline: complaints.Deadline, now: datetime, directory: routing.Directory) -> int:
    today = complaints.local_day(now, settings.timezone)

    def decide(current):
        if complaints.pending_deadline(current, settings.timezone, settings.complaint_verify_days,
                                       settings.complaint_answer_days, settings.holiday_dates) != deadline:
            raise complaints.Refused("tahap berubah", "the stage changed", code="not_due")
        if not complaints.escalation_due(current, deadline, today, settings.escalate_after_days, settings.timezone,
                                         settings.holiday_dates):
            raise complaints.Refused("tidak perlu", "not due", code="not_due")
        below = current.escalations[-1]["to_nip"] if current.escalations else directory.unit_head(current.unit)
        if current.escalations and below is None:
            raise complaints.Refused("sudah di admin", "already with the administrator", code="not_due")
        target = routing.next_level(directory, below, "", current.unit)
        return ("escalated", {"deadline": deadline.name, "stage_seq": deadline.stage_seq,
                              "due": deadline.due.isoformat(), "level": len(current.escalations) + 1,
                              "to_nip": target.nip, "to_kind": target.kind, "reason": target.reason}, target.nip)

    try:
        done = tickets.append(ticket, decide, at=now, by="scheduler")
    except complaints.Refused:
        return 0
    if not done.created or done.entry is None:
        return 0
    data = done.entry.data
    told: list[str | None] = [data["to_nip"]]
    if data["level"] == 1:
        told.append(None)          # the administrator hears of every overdue ticket
    label = ticket_notices.DEADLINES[deadline.name]
    ticket_notices.tell(settings, ticket, f"ticket-escalated-{deadline.name}-{deadline.stage_seq}-{data['level']}",
                        told, now=now, kind="escalated",
                        detail=(f"Batas waktu {label[0]} {deadline.due:%d-%m-%Y} terlewati",
                                f"The {label[1]} deadline {deadline.due:%d-%m-%Y} has passed"))
    log.info("ticket escalated", extra={"ticket": ticket.ticket, "level": data["level"], "to_kind": data["to_kind"]})
    return 1
