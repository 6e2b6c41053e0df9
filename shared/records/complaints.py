"""Citizens' complaints and suggestions as the survey service keeps them (see docs/storage.md).

* :class:`Complaint` is inserted once by the survey service's HTTP handlers, with its
  ``complaint.received`` event (transactional outbox, as :class:`~.responses.Response`); the
  survey relay is its only writer afterwards (``published``, ``held``). Its text stays here:
  the event carries none of it.
* :class:`ComplaintContact` holds the citizen's contact details, encrypted
  (:mod:`shared.platform.sealing`), inserted with the complaint and only ever deleted, by
  ``tanggap complaints purge`` after the retention period. The notifier reads it (to show
  it to the ticket's handlers and to mail the citizen the answer), never writes it.
* :class:`ComplaintStep` is the citizen's view of the ticket's handling: one record per
  ``complaint.status.changed`` event, inserted by the survey tracker under ``(ticket, seq)``
  (a redelivered event inserts nothing).
"""
from __future__ import annotations

import hmac
import json
import logging

from mongoengine import BooleanField, DateTimeField, Document, IntField, StringField

from shared.platform import sealing
from shared.platform.config import Settings
from shared.platform.pseudonyms import keyed_hash
from shared.records.responses import Outboxed

log = logging.getLogger(__name__)


class Complaint(Outboxed):
    meta = {"collection": "complaints",
            "indexes": [("published", "received_at"), ("month", "-seq"), ("unit", "period"),
                        {"fields": ["client_id"], "unique": True, "sparse": True}]}
    ticket = StringField(primary_key=True)         # ADU-YYYY-MM-NNNNNN
    month = StringField(required=True)             # YYYY-MM of the number
    seq = IntField(required=True, min_value=1)     # NNNNNN
    client_id = StringField()                      # the client's id: a replay returns this ticket
    fingerprint = StringField(required=True)
    kind = StringField(required=True)
    unit = StringField(required=True)
    service = StringField()
    officer = StringField()
    deployment = StringField()
    unsur = StringField()
    text = StringField(max_length=4000)
    channel = StringField(required=True)
    lang = StringField()
    period = StringField(required=True)
    received_at = DateTimeField(required=True)
    has_contact = BooleanField(default=False)


class ComplaintContact(Document):
    meta = {"collection": "complaint_contacts", "indexes": ["created_at"]}
    ticket = StringField(primary_key=True)
    sealed = StringField(required=True)     # Fernet token of {"email": ..., "phone": ...}
    consent = BooleanField(required=True)   # the citizen ticked the consent line
    created_at = DateTimeField(required=True)


class ComplaintStep(Document):
    meta = {"collection": "complaint_steps",
            "indexes": [{"fields": ["ticket", "seq"], "unique": True}, "duplicate_of", ("state", "at")]}
    ticket = StringField(required=True)
    seq = IntField(required=True, min_value=1)
    kind = StringField(required=True)
    state = StringField(required=True)
    unit = StringField(required=True)
    at = DateTimeField(required=True)
    text = StringField()
    duplicate_of = StringField()
    event_id = StringField()


def tracking_key(settings: Settings, ticket: str) -> str:
    """The ticket's secret (80 bits), derived from the signing key: nothing secret is stored,
    and a replay of the submission gets the same key."""
    return keyed_hash(settings, "complaint-tracking", ticket, length=20)


def key_matches(settings: Settings, ticket: str, key: object) -> bool:
    return isinstance(key, str) and bool(key) and hmac.compare_digest(tracking_key(settings, ticket), key)


def tracking_url(settings: Settings, ticket: str) -> str:
    return f"{settings.public_survey_url.rstrip('/')}/pengaduan/lacak/{ticket}?key={tracking_key(settings, ticket)}"


def contact_of(settings: Settings, ticket: str) -> dict[str, str] | None:
    """The citizen's contact details (for the ticket's handlers and the reply mail), or None
    (none given, deleted after the retention, or sealed with another key)."""
    doc = ComplaintContact.objects(pk=ticket).first()
    if doc is None:
        return None
    try:
        value = json.loads(sealing.unseal(settings, doc.sealed))
    except sealing.Unreadable:
        log.error("a complaint contact does not open with the configured key", extra={"ticket": ticket})
        return None
    return value if isinstance(value, dict) else None
