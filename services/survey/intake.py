"""Accepting a response: build the stored document and its event together, insert once.

The response and its outgoing event are one document (transactional outbox): either both
are stored or neither is. The response id is the idempotency key: inserting an id that
exists returns the stored original instead of storing anything new.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from mongoengine.errors import NotUniqueError

from shared import contracts
from shared.clock import Clock
from shared.config import Settings
from shared.errors import ApiError
from shared.events import new_event
from shared.periods import month_of
from shared.pseudonyms import keyed_hash
from shared.topics import Topics

from shared.responses import Outbox, Response

EVENT_NAMESPACE = uuid.UUID("6f0d4a52-3c1e-4b7e-9a51-7c2f0e6b9d10")
PRODUCER = "survey"


@dataclass(frozen=True)
class Accepted:
    response: Response
    created: bool


def fingerprint(body: dict) -> str:
    """Stable digest of what the client sent, to tell a replay from a different request."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_id_for(response_id: str) -> uuid.UUID:
    """The event id follows from the response id, so a re-publication carries the same id."""
    return uuid.uuid5(EVENT_NAMESPACE, response_id)


def client_hash(settings: Settings, address: str | None) -> str | None:
    return keyed_hash(settings, "client-address", address) if address else None


def store(doc: Response) -> Accepted:
    """Insert ``doc``; if its id exists, return the original (409 if the request differed)."""
    try:
        doc.save(force_insert=True, validate=False)
        return Accepted(doc, True)
    except NotUniqueError:
        existing = Response.objects(pk=doc.id).first()
        if existing is None:
            # Not our id but another unique key (one peer submission per rater, ratee, period).
            raise ApiError(409, "Anda sudah memberi umpan balik untuk pegawai ini pada periode ini",
                           "You already gave feedback on this employee for this period",
                           code="duplicate_feedback", errors={"ratee": ["already rated in this period"]}) from None
        if existing.fingerprint != doc.fingerprint:
            raise ApiError(409, "ID respons sudah dipakai untuk isi yang berbeda",
                           "This response id was already used with different content",
                           code="idempotency_conflict", errors={"id": ["already used with different content"]}) from None
        return Accepted(existing, False)


def skm_response(body: dict, *, response_id: str, unit: str, service: str | None, officer: str | None,
                 template: str, template_version: int, deployment: str | None, channel: str, device: str | None,
                 client_address: str | None, settings: Settings, clock: Clock) -> Response:
    """The document for an SKM response whose answers were already checked against the template."""
    now = clock.now()
    period = month_of(now, settings.timezone)
    answers = {code: int(value) for code, value in body["answers"].items() if value is not None}
    profile = {k: v for k, v in (body.get("profile") or {}).items() if v is not None}
    chash = client_hash(settings, client_address)
    comment = (body.get("comment") or "").strip() or None
    payload = {
        "response_id": response_id, "unit": unit, "service": service, "officer": officer,
        "template_version": template_version, "period": period, "submitted_at": now.isoformat(),
        "answers": answers, "profile": profile, "channel": channel, "client_hash": chash,
        "has_comment": comment is not None,
    }
    event = new_event(contracts.SKM_RESPONSE, unit, payload, producer=PRODUCER, clock=clock,
                      event_id=event_id_for(response_id))
    topics = Topics.from_settings(settings)
    return Response(
        id=response_id, kind="skm", template=template, template_version=template_version, deployment=deployment,
        unit=unit, service=service, officer=officer, period=period, submitted_at=now, received_at=now,
        answers=answers, profile=profile, comment=comment, channel=channel, device=device, client_hash=chash,
        fingerprint=fingerprint(body), lang=body.get("lang"),
        outbox=Outbox(topic=topics.responses, key=unit, event=event.to_json()),
    )
