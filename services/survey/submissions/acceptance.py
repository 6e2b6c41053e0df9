"""Accepting a response: build the stored document and its event together, insert once.

The response and its outgoing event are one document (transactional outbox): either both
are stored or neither is. The response id is the idempotency key: inserting an id that
exists returns the stored original instead of storing anything new. Answers are checked
against the exact template version the respondent saw before anything is built.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from mongoengine.errors import NotUniqueError

from shared.contracts import payloads
from shared.contracts.events import Event, EventTooLarge, InvalidEvent, new_event
from shared.domain.periods import month_of
from shared.messaging.topics import Topics
from shared.platform.clock import Clock
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.platform.pseudonyms import client_of, keyed_hash
from shared.records.responses import Outbox, Response

from services.survey.surveys.spec import TemplateSpec

log = logging.getLogger(__name__)
EVENT_NAMESPACE = uuid.UUID("6f0d4a52-3c1e-4b7e-9a51-7c2f0e6b9d10")
PRODUCER = "survey"


@dataclass(frozen=True)
class Accepted:
    response: Response
    created: bool


@dataclass(frozen=True)
class Context:
    """Where a citizen response comes from and what it is about."""

    unit: str
    service: str | None = None
    officer: str | None = None
    deployment: str | None = None
    channel: str = "api"          # web | kiosk | api
    device: str | None = None
    client_address: str | None = None


def stored_now(clock: Clock):
    """The time as the database keeps it (milliseconds), so a replayed answer is identical."""
    now = clock.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def fingerprint(body: Any) -> str:
    """Stable digest of what the client sent, to tell a replay from a different request."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_id_for(response_id: str) -> uuid.UUID:
    """The event id follows from the response id, so a re-publication carries the same id."""
    return uuid.uuid5(EVENT_NAMESPACE, response_id)


def client_hash(settings: Settings, address: str | None) -> str | None:
    return keyed_hash(settings, "client-address", client_of(address)) if address else None


def checked(template: TemplateSpec, answers: Any) -> dict:
    if not isinstance(answers, dict):
        raise ApiError(422, errors={"answers": ["harus objek / must be an object"]})
    clean, errors = template.check_answers(answers)
    if errors:
        raise ApiError(422, errors=errors)
    return clean


def store(doc: Response) -> Accepted:
    """Insert ``doc``; if its id exists, return the original (409 if the request differed)."""
    try:
        doc.save(force_insert=True, validate=False)
        return Accepted(doc, True)
    except NotUniqueError:
        existing = Response.objects(pk=doc.id).first()
        if existing is None:
            # Not our id but another unique key: one peer submission per rater, ratee, period.
            raise ApiError(409, "Anda sudah memberi umpan balik untuk pegawai ini pada periode ini",
                           "You already gave feedback on this employee for this period",
                           code="duplicate_feedback", errors={"ratee": ["already rated in this period"]}) from None
        if existing.fingerprint != doc.fingerprint:
            raise ApiError(409, "ID respons sudah dipakai untuk isi yang berbeda",
                           "This response id was already used with different content",
                           code="idempotency_conflict",
                           errors={"id": ["already used with different content"]}) from None
        return Accepted(existing, False)


def _event(type_: str, key: str, payload: dict, clock: Clock, response_id: str) -> Event:
    """The response's event, checked against its contract as it is built. A response whose
    event would break the contract or exceed the size any event may have is refused (422)
    before anything is stored, so the relay never holds an event the broker cannot take."""
    try:
        return new_event(type_, key, payload, producer=PRODUCER, clock=clock, event_id=event_id_for(response_id))
    except EventTooLarge:
        raise ApiError(422, "Jawaban terlalu besar", "The answers are too large", code="too_large",
                       errors={"answers": ["jawaban terlalu besar untuk dikirim / the answers are too large to "
                                           "send"]}) from None
    except InvalidEvent as exc:
        log.warning("a response whose event breaks its contract was refused", extra={"reason": exc.reason})
        raise ApiError(422, errors={"answers": ["jawaban tidak dapat diterima / the answers cannot be "
                                                "accepted"]}) from None


def citizen_response(body: dict, *, response_id: str, template: TemplateSpec, answers: dict, ctx: Context,
                     profile: dict | None, comment: str | None, lang: str | None, settings: Settings,
                     clock: Clock) -> Response:
    """The document for a citizen's SKM or custom-survey response (answers already checked)."""
    now = stored_now(clock)
    period = month_of(now, settings.timezone)
    chash = client_hash(settings, ctx.client_address)
    profile = {k: v for k, v in (profile or {}).items() if v is not None}
    comment = (comment or "").strip() or None
    common = {"response_id": response_id, "unit": ctx.unit, "service": ctx.service, "officer": ctx.officer,
              "template_version": template.version, "period": period, "submitted_at": now.isoformat(),
              "channel": ctx.channel}
    if template.kind == "skm":
        payload = {**common, "answers": answers, "profile": profile, "client_hash": chash,
                   "has_comment": comment is not None}
        event = _event(payloads.SKM_RESPONSE, ctx.unit, payload, clock, response_id)
    else:
        payload = {**common, "template": template.code, "answers": template.event_answers(answers)}
        event = _event(payloads.SURVEY_RESPONSE, ctx.unit, payload, clock, response_id)
    return Response(
        id=response_id, kind=template.kind, template=template.code, template_version=template.version,
        deployment=ctx.deployment, unit=ctx.unit, service=ctx.service, officer=ctx.officer, period=period,
        submitted_at=now, received_at=now, answers=answers, profile=profile, comment=comment, channel=ctx.channel,
        device=ctx.device, client_hash=chash, fingerprint=fingerprint(body), lang=lang,
        outbox=Outbox(topic=Topics.from_settings(settings).responses, key=ctx.unit, event=event.to_json()),
    )


def peer_response(body: dict, *, response_id: str, template: TemplateSpec, answers: dict, rater_nip: str,
                  ratee_nip: str, ratee_unit: str, relation: str, settings: Settings, clock: Clock) -> Response:
    """The document for peer feedback. The rater is kept only as keyed hashes: one to make a
    second submission for the same ratee and period collide, one the aggregator counts."""
    now = stored_now(clock)
    period = month_of(now, settings.timezone)
    rater_hash = keyed_hash(settings, "peer-rater", f"{rater_nip}|{ratee_nip}")
    claim = keyed_hash(settings, "peer-claim", f"{rater_nip}|{ratee_nip}|{period}", length=64)
    payload = {"response_id": response_id, "ratee": ratee_nip, "ratee_unit": ratee_unit, "rater_hash": rater_hash,
               "relation": relation, "period": period, "submitted_at": now.isoformat(),
               "template_version": template.version, "scale_max": template.questions[0].scale,
               "values": template.event_answers(answers)}
    event = _event(payloads.PEER_FEEDBACK, ratee_nip, payload, clock, response_id)
    return Response(
        id=response_id, kind="peer", template=template.code, template_version=template.version, unit=ratee_unit,
        period=period, submitted_at=now, received_at=now, answers=answers, channel="api",
        fingerprint=fingerprint({"rater": rater_hash, **body}), ratee=ratee_nip, rater_hash=rater_hash,
        relation=relation, peer_claim=claim,
        outbox=Outbox(topic=Topics.from_settings(settings).responses, key=ratee_nip, event=event.to_json()),
    )
