"""Stored responses, each with its outgoing event (transactional outbox).

Inserted only by the survey service's HTTP handlers (append-only); the survey relay is the
only process that changes ``outbox`` afterwards. The aggregator reads them for full
recomputations. See docs/storage.md.
"""
from __future__ import annotations

from mongoengine import (BooleanField, DateTimeField, DictField, Document, EmbeddedDocument, EmbeddedDocumentField,
                         IntField, StringField)


class Outbox(EmbeddedDocument):
    """The response's event, written with it; only the relay changes ``published`` & co."""

    topic = StringField(required=True)
    key = StringField(required=True)
    event = DictField(required=True)
    published = BooleanField(default=False)
    partition = IntField()
    offset = IntField()
    published_at = DateTimeField()


class Response(Document):
    """One accepted response (append-only) with its outbox entry.

    ``_id`` is the response id: client-generated (kiosk UUID / idempotency key) or ours;
    inserting it twice fails, which is what makes replays harmless.
    """

    meta = {
        "collection": "responses",
        "indexes": [
            "outbox.published",
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
