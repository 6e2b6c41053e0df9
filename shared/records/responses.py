"""Stored responses, each with its outgoing event (transactional outbox).

Inserted only by the survey service's HTTP handlers (append-only); the survey relay is the
only process that changes a response afterwards (``published`` and ``published_at``), and the
only writer of the append-only :class:`OutboxRecord` log saying where each event went. The
aggregator reads both for full recomputations. See docs/storage.md.

An event Kafka refuses for good (too large, invalid) is **held** by the relay (``held``, with
the reason and the time): it is not sent again, and the others keep flowing. What becomes of
it is an admin's :class:`OutboxDecision` (release: send it again; discard: never), an
insert-only record the relay applies, so the relay stays the response's only writer.

``published`` is a top-level field on purpose: the local MongoDB-protocol server uses an index
only for top-level fields, so the relay's "what is pending" query stays fast.
"""
from __future__ import annotations

from typing import Any, ClassVar

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentField,
    IntField,
    ListField,
    StringField,
)


class Outbox(EmbeddedDocument):
    """The response's event, written with it and never changed."""

    topic = StringField(required=True)
    key = StringField(required=True)
    event = DictField(required=True)


class Outboxed(Document):
    """A document inserted with its outgoing event (a relay source besides the responses: a
    complaint, a training answer or score import), and the fields only the relay writes after."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True}
    outbox = EmbeddedDocumentField(Outbox, required=True)
    published = BooleanField(default=False)
    published_at = DateTimeField()
    held = BooleanField()
    held_reason = StringField()
    held_at = DateTimeField()
    discarded = BooleanField()
    decisions_applied = ListField(StringField())


class OutboxRecord(Document):
    """Where a response's event was published (append-only, written by the relay)."""

    meta = {"collection": "outbox_log", "indexes": [("topic", "partition", "-offset")]}
    id = StringField(primary_key=True)  # the response id
    topic = StringField(required=True)
    partition = IntField(required=True)
    offset = IntField(required=True)
    published_at = DateTimeField(required=True)


class Response(Document):
    """One accepted response (append-only) with its outbox entry.

    ``_id`` is the response id: client-generated (kiosk UUID / idempotency key) or ours;
    inserting it twice fails, which is what makes replays harmless.
    """

    meta = {
        "collection": "responses",
        "indexes": [
            ("published", "received_at"),
            ("unit", "period"),
            {"fields": ["peer_claim"], "unique": True, "sparse": True},
        ],
    }
    id = StringField(primary_key=True)
    kind = StringField(required=True, choices=("skm", "peer", "custom"))
    template = StringField(required=True)
    template_version = IntField(required=True)
    deployment = StringField()
    unit = StringField(required=True)
    service = StringField()
    officer = StringField()
    period = StringField(required=True)
    submitted_at = DateTimeField(required=True)
    received_at = DateTimeField(required=True)
    answers = DictField(required=True)
    profile = DictField()
    comment = StringField()
    channel = StringField(required=True)
    device = StringField()
    client_hash = StringField()
    fingerprint = StringField(required=True)
    lang = StringField()
    # peer feedback only
    ratee = StringField()
    rater_hash = StringField()
    relation = StringField()
    peer_claim = StringField()
    outbox = EmbeddedDocumentField(Outbox, required=True)
    published = BooleanField(default=False)
    published_at = DateTimeField()
    # held by the relay: Kafka refused the event for good (see the module doc)
    held = BooleanField()
    held_reason = StringField()
    held_at = DateTimeField()
    discarded = BooleanField()
    decisions_applied = ListField(StringField())   # the OutboxDecision ids the relay applied


class OutboxDecision(Document):
    """An admin's decision about a held event: ``release`` (send it again, once the cause is
    fixed) or ``discard`` (never send it). Insert-only; the relay applies each decision made
    that it has not applied yet (it keeps their ids on the response)."""

    meta = {"collection": "outbox_decisions", "indexes": ["response_id"]}
    id = StringField(primary_key=True)
    response_id = StringField(required=True)
    action = StringField(required=True, choices=("release", "discard"))
    by = StringField(required=True)
    at = DateTimeField(required=True)
