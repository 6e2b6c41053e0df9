"""Taking in a complaint or suggestion (API, web form and kiosk share this path).

Resolves what it is about (a deployment, or a unit with an optional service and officer,
under the same rule as ratings), applies the rate limits, numbers the ticket, and stores it
with its ``complaint.received`` event (transactional outbox: the relay publishes it). The
citizen's contact details, when given with consent, are stored apart and encrypted; the
event carries neither them nor the text. A client id makes a replay return the same ticket.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

from flask import current_app
from mongoengine.errors import NotUniqueError

from shared.contracts import payloads
from shared.contracts.events import new_event
from shared.domain.periods import month_of
from shared.messaging.topics import Topics
from shared.platform import sealing
from shared.platform.clock import Clock
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.platform.pseudonyms import keyed_hash
from shared.records.complaints import Complaint, ComplaintContact, tracking_key, tracking_url
from shared.records.responses import Outbox

from services.survey.submissions import acceptance
from services.survey.submissions.citizen import Origin, check_target, kiosk_device, lookups
from services.survey.submissions.rate_limits import RateLimiter
from services.survey.surveys import catalog

log = logging.getLogger(__name__)
NAMESPACE = uuid.UUID("0b7e3c55-8d7a-4a57-9f0e-1d2c3b4a5f60")
MAX_NUMBER_TRIES = 50     # bounded: each lost race means another ticket took the number


@dataclass(frozen=True)
class Taken:
    complaint: Complaint
    created: bool


def limiter() -> RateLimiter:
    ext = current_app.extensions["tanggap"]
    if "complaint_limiter" not in ext.state:
        ext.state["complaint_limiter"] = RateLimiter(ext.settings.rate_limit_client, ext.settings.web_concurrency)
    return ext.state["complaint_limiter"]


def take(data: dict, origin: Origin) -> Taken:
    """Validate what ``data`` (loaded by :class:`~..schemas.ComplaintIn`) is about and store it."""
    ext = current_app.extensions["tanggap"]
    settings, clock = ext.settings, ext.clock
    if origin.kiosk is not None:
        device = kiosk_device(origin.kiosk)
        limiter().check(acceptance.client_hash(settings, "device:" + device.device_id), clock.now())
        if data.get("unit"):
            raise ApiError(422, errors={"unit": ["kios mengirim untuk surveinya sendiri, tanpa unit / a kiosk submits "
                                                 "for its own survey, without a unit"]})
        data.setdefault("deployment", device.deployment)
        if data["deployment"] != device.deployment:
            raise ApiError(422, errors={"deployment": ["kios ini terikat pada survei lain / this kiosk is bound to "
                                                       "another survey"]})
    else:
        limiter().check(acceptance.client_hash(settings, origin.client_address or ""), clock.now())
        if not data.get("text"):
            raise ApiError(422, errors={"text": ["tuliskan pengaduan atau saran Anda / write your complaint or "
                                                 "suggestion"]})
    cache = lookups()
    service, officer, pinned, deployment = data.get("service"), data.get("officer"), None, None
    if data.get("deployment"):
        dep = cache.get("deployment", data["deployment"], lambda: catalog.deployment(data["deployment"]))
        if dep is None:
            raise ApiError(422, errors={"deployment": ["survei tidak dikenal atau tidak aktif / unknown or inactive "
                                                       "survey"]})
        unit, deployment, service = dep.unit, dep.code, dep.service or service
        if dep.officer and officer and officer != dep.officer:
            raise ApiError(422, errors={"officer": ["survei ini untuk petugas lain / this survey is pinned to "
                                                    "another officer"]})
        pinned = dep.officer
        officer = dep.officer or officer
    elif data.get("unit"):
        unit = data["unit"]
    else:
        message = "isi deployment atau unit / give a deployment or a unit"
        raise ApiError(422, errors={"deployment": [message], "unit": [message]})
    check_target(cache, unit, service, officer, pinned)
    contact = {k: v for k, v in (data.get("contact") or {}).items() if v}
    if contact and data.get("consent") is not True:
        raise ApiError(422, errors={"consent": ["setujui penyimpanan kontak Anda, atau kosongkan kontak / agree to "
                                                "your contact being kept, or leave it empty"]})
    # The contact only as a keyed hash: an unkeyed digest of a phone number is found by trying them all.
    sealed_contact = keyed_hash(settings, "complaint-contact", json.dumps(contact, sort_keys=True)) if contact else None
    fingerprint = acceptance.fingerprint({k: data.get(k) for k in ("kind", "text", "unsur")}
                                         | {"unit": unit, "service": service, "officer": officer,
                                            "contact": sealed_contact})
    client_id = str(data["id"]) if data.get("id") else None
    if client_id:
        existing = Complaint.objects(client_id=client_id).first()
        if existing is not None:
            return _replayed(settings, existing, fingerprint, contact, clock)
    now = acceptance.stored_now(clock)
    month = month_of(now, settings.timezone)
    doc = None
    for _ in range(MAX_NUMBER_TRIES):
        last = Complaint.objects(month=month).order_by("-seq").only("seq").first()
        seq = (last.seq if last else 0) + 1
        ticket = f"ADU-{month}-{seq:06d}"
        payload = {"ticket": ticket, "unit": unit, "service": service, "officer": officer, "kind": data["kind"],
                   "unsur": data.get("unsur"), "channel": origin.channel, "period": month,
                   "received_at": now.isoformat(), "has_contact": bool(contact)}
        event = new_event(payloads.COMPLAINT_RECEIVED, ticket, payload, producer=acceptance.PRODUCER, clock=clock,
                          event_id=uuid.uuid5(NAMESPACE, ticket))
        doc = Complaint(ticket=ticket, month=month, seq=seq, client_id=client_id, fingerprint=fingerprint,
                        kind=data["kind"], unit=unit, service=service, officer=officer, deployment=deployment,
                        unsur=data.get("unsur"), text=data.get("text") or None, channel=origin.channel,
                        lang=data.get("lang"), period=month, received_at=now, has_contact=bool(contact),
                        outbox=Outbox(topic=Topics.from_settings(settings).complaints, key=ticket,
                                      event=event.to_json()))
        try:
            doc.save(force_insert=True, validate=False)
        except NotUniqueError:
            if client_id:
                existing = Complaint.objects(client_id=client_id).first()
                if existing is not None:   # the same client id, sent twice at once
                    return _replayed(settings, existing, fingerprint, contact, clock)
            continue   # another ticket took this number: take the next
        _store_contact(settings, doc, contact, clock)
        log.info("complaint received", extra={"ticket": ticket, "unit": unit, "kind": data["kind"],
                                              "channel": origin.channel})
        return Taken(doc, True)
    raise ApiError(503, "Layanan sibuk, coba lagi", "Busy, please try again", code="busy")


def _replayed(settings: Settings, existing: Complaint, fingerprint: str, contact: dict, clock: Clock) -> Taken:
    if existing.fingerprint != fingerprint:
        raise ApiError(409, "ID pengaduan sudah dipakai untuk isi yang berbeda",
                       "This complaint id was already used with different content", code="idempotency_conflict",
                       errors={"id": ["already used with different content"]})
    _store_contact(settings, existing, contact, clock)   # repairs a first try that stopped in between
    return Taken(existing, False)


def _store_contact(settings: Settings, doc: Complaint, contact: dict, clock: Clock) -> None:
    if not contact or ComplaintContact.objects(pk=doc.ticket).only("ticket").first() is not None:
        return
    sealed = sealing.seal(settings, json.dumps(contact, sort_keys=True, ensure_ascii=False))
    try:
        ComplaintContact(ticket=doc.ticket, sealed=sealed, consent=True, created_at=clock.now()).save(force_insert=True)
    except NotUniqueError:
        pass


def accepted_body(settings: Settings, doc: Complaint) -> dict:
    return {"ticket": doc.ticket, "tracking_key": tracking_key(settings, doc.ticket),
            "tracking_url": tracking_url(settings, doc.ticket), "status": "diterima", "kind": doc.kind,
            "unit": doc.unit, "received_at": doc.received_at}
