"""What a handler sees of a ticket: the ticket, the citizen's text and (for its handlers only)
contact, its history with internal notes, and its deadline. Shared by the API and the pages."""
from __future__ import annotations

from datetime import datetime

from shared.domain import complaints
from shared.platform.config import Settings
from shared.records.complaints import Complaint, contact_of

from services.notifier.models import ComplaintTicket, TicketEntry

ACTION_KINDS = {"verify": "verified", "reject": "rejected", "forward": "forwarded", "follow_up": "followed_up",
                "answer": "answered", "duplicate": "duplicate"}
ENTRY_LABELS = {"verified": ("diverifikasi", "verified"), "rejected": ("ditolak", "rejected"),
                "forwarded": ("dialihkan", "forwarded"), "followed_up": ("ditindaklanjuti", "in progress"),
                "answered": ("dijawab", "answered"), "duplicate": ("duplikat", "duplicate"),
                "reminded": ("pengingat dikirim", "reminder sent"), "escalated": ("dieskalasi", "escalated")}


def summary(settings: Settings, ticket: ComplaintTicket, state: complaints.TicketState, today) -> dict:
    deadline = complaints.pending_deadline(state, settings.timezone, settings.complaint_verify_days,
                                           settings.complaint_answer_days, settings.holiday_dates)
    return {"ticket": ticket.ticket, "kind": ticket.kind, "unsur": ticket.unsur, "unit": state.unit,
            "received_unit": ticket.unit, "state": state.state, "received_at": ticket.received_at,
            "deadline": {"name": deadline.name, "due": deadline.due.isoformat(),
                         "due_label": f"{deadline.due:%d-%m-%Y}", "overdue": today > deadline.due}
            if deadline else None,
            "duplicate_of": state.duplicate_of}


def describe(settings: Settings, ticket: ComplaintTicket, state: complaints.TicketState, today) -> dict:
    record = Complaint.objects(pk=ticket.ticket).first()
    history = [{"seq": e.seq, "kind": e.kind, "at": e.at, "by": e.by, "to_nip": e.to_nip, "data": dict(e.data or {})}
               for e in TicketEntry.objects(ticket=ticket.ticket).order_by("seq")]
    return {**summary(settings, ticket, state, today), "service": ticket.service, "officer": ticket.officer,
            "channel": ticket.channel, "text": record.text if record else None,
            "contact": contact_of(settings, ticket.ticket) if ticket.has_contact else None,
            "reply": state.reply, "reason": state.reason, "history": history}


def as_of(when: datetime, settings: Settings):
    return complaints.local_day(when, settings.timezone)
