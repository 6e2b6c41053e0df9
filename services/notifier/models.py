"""The notifier's documents and who writes them (see docs/storage.md).

* :class:`FollowUpCase` is inserted once by the worker that owns the Kafka partition of the case's
  subject, keyed by ``case_id``; it is never changed afterwards.
* :class:`CaseHistoryEntry` is the case's append-only history: everything people do (acknowledge,
  dialogue, resolve) and everything the scheduler does (escalate, remind) is an entry
  claimed under the unique ``(case_id, seq)``; the case's state is the fold of its entries.
* :class:`Delivery` is one notification, claimed by inserting it under its deduplication key
  (case, event, channel, recipient). Its status fields are written only by the process that
  holds its latest :class:`DeliveryAttempt` claim (attempts are inserted under the unique
  ``(delivery_id, no)``), so no two processes ever write one delivery at the same time.
* :class:`NotificationPreferences` are revisioned records edited by each supervisor.
"""
from __future__ import annotations

from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, StringField

from shared.contracts.formats import NIP
from shared.platform.revisions import Revisioned

ASSIGNEE_KINDS = ("supervisor", "unit_head", "admin")
ENTRY_KINDS = ("acknowledged", "dialogue", "resolved", "escalated", "reminded", "cleared")
CHANNELS = ("email", "webhook", "inbox")
DELIVERY_STATUSES = ("pending", "retrying", "sent", "dead", "suppressed", "digest")


class FollowUpCase(Document):
    meta = {"collection": "notifier_cases",
            "indexes": ["subject", "assignee_nip", "unit", "-opened_at"]}
    case_id = StringField(primary_key=True, max_length=200)
    rule = StringField(required=True)
    subject_type = StringField(required=True, choices=("employee", "unit"))
    subject = StringField(required=True)
    unit = StringField()
    period = StringField(required=True)
    opened_at = DateTimeField(required=True)
    severity = StringField(required=True)
    summary = DictField()
    evidence = DictField()
    event_id = StringField()
    received_at = DateTimeField(required=True)
    # The first assignee, chosen by routing when the case arrived; escalations are history entries.
    assignee_nip = StringField(regex=NIP)
    assignee_kind = StringField(required=True, choices=ASSIGNEE_KINDS)
    route_reason = StringField(required=True)


class CaseHistoryEntry(Document):
    meta = {"collection": "notifier_case_history",
            "indexes": [{"fields": ["case_id", "seq"], "unique": True}, ("kind", "to_nip"), ("kind", "at")]}
    case_id = StringField(required=True)
    seq = IntField(required=True, min_value=1)
    kind = StringField(required=True, choices=ENTRY_KINDS)
    at = DateTimeField(required=True)
    by = StringField(required=True)      # principal subject, "scheduler" or "aggregator"
    by_nip = StringField()
    to_nip = StringField()               # escalations: the new assignee (indexed for the inbox)
    data = DictField()


class Delivery(Document):
    meta = {"collection": "notifier_deliveries",
            "indexes": ["case_id", ("status", "next_at"), ("channel", "status"), "-created_at",
                        ("channel", "recipient", "subject", "created_at"), ("mode", "digest_day")]}
    key = StringField(primary_key=True)  # case|event|channel|recipient: the deduplication key
    case_id = StringField()              # empty for digests
    event = StringField(required=True)
    channel = StringField(required=True, choices=CHANNELS)
    recipient = StringField(required=True)  # a NIP, or "admin"
    subject = StringField()              # the person or unit the notification is about (cooldown)
    created_at = DateTimeField(required=True)
    mode = StringField(default="now", choices=("now", "digest"))
    digest_day = StringField()           # local date (YYYY-MM-DD) of a digest-mode delivery
    target = StringField()               # webhook: "global" or the NIP whose URL and secret are used
    content = DictField()                # email: to, subject, text, html; webhook: url, body
    status = StringField(required=True, choices=DELIVERY_STATUSES)
    reason = StringField()               # why suppressed / held / dead
    attempts = IntField(default=0)
    next_at = DateTimeField()
    sent_at = DateTimeField()
    last_error = StringField()


class DeliveryAttempt(Document):
    meta = {"collection": "notifier_delivery_attempts",
            "indexes": [{"fields": ["delivery_id", "no"], "unique": True}, ("channel", "outcome"), "-at"]}
    delivery_id = StringField(required=True)
    no = IntField(required=True, min_value=1)
    channel = StringField(required=True)
    at = DateTimeField(required=True)
    outcome = StringField(required=True, choices=("sending", "sent", "failed"))
    error = StringField()
    retry_at = DateTimeField()


class NotificationPreferences(Revisioned):
    """A supervisor's notification preferences, keyed by NIP."""

    KEY = "nip"
    meta = {"collection": "notifier_preferences", "indexes": [{"fields": ["nip", "rev"], "unique": True}, "superseded"]}
    nip = StringField(required=True, regex=NIP)
    email = BooleanField(default=True)
    webhook = BooleanField(default=True)
    webhook_url = StringField(max_length=500)
    webhook_secret = StringField(max_length=200)
    quiet_start = StringField(regex=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end = StringField(regex=r"^([01]\d|2[0-3]):[0-5]\d$")
    digest = BooleanField(default=False)


class ComplaintTicket(Document):
    """A citizen's complaint ticket as the notifier handles it: inserted once by the worker
    that owns the ticket's partition, from ``complaint.received``, keyed by the ticket number;
    never changed afterwards (its handling is :class:`TicketEntry` history). The text and the
    contact stay in the survey service's store and are read from there when shown."""

    meta = {"collection": "notifier_tickets", "indexes": ["unit", "-received_at"]}
    ticket = StringField(primary_key=True)
    unit = StringField(required=True)          # the unit it was sent to (forwarding is history)
    service = StringField()
    officer = StringField()
    kind = StringField(required=True)
    unsur = StringField()
    channel = StringField(required=True)
    period = StringField(required=True)
    received_at = DateTimeField(required=True)
    has_contact = BooleanField(default=False)
    event_id = StringField()
    opened_at = DateTimeField(required=True)   # when the notifier stored it


class TicketEntry(Document):
    """A ticket's append-only history: handlers' actions and the scheduler's reminders and
    escalations, each claimed under the unique ``(ticket, seq)``."""

    meta = {"collection": "notifier_ticket_history",
            "indexes": [{"fields": ["ticket", "seq"], "unique": True}, ("kind", "to_nip"), ("kind", "at")]}
    ticket = StringField(required=True)
    seq = IntField(required=True, min_value=1)
    kind = StringField(required=True)
    at = DateTimeField(required=True)
    by = StringField(required=True)      # the actor (NIP or login), or "scheduler"
    by_nip = StringField()
    to_nip = StringField()               # escalations: who was told
    data = DictField()                   # reason, to_unit, reply, public, note (internal), of, ...


class TicketPublished(Document):
    """An entry's status event reached Kafka (insert-only: ``ticket|seq``); entries without one
    are published again by the scheduler (the survey tracker inserts each step once)."""

    meta = {"collection": "notifier_ticket_published"}
    id = StringField(primary_key=True)
    at = DateTimeField(required=True)


class TicketTold(Document):
    """The notices of a handler's forward, answer or duplicate were claimed (insert-only:
    ``ticket|seq``); entries without one are told again by the scheduler."""

    meta = {"collection": "notifier_ticket_told"}
    id = StringField(primary_key=True)
    at = DateTimeField(required=True)
