"""Kiosk devices: tablets at the counter, bound to a unit and a deployment.

A kiosk sends a heartbeat (insert only, one document each) with the number of responses it
still holds; the admin fleet page shows each device's newest one. The kiosk page's web app
manifest is served here too, so the tablet can install the page."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app, url_for
from flask_smorest import Blueprint

from shared.platform.auth import ADMIN, KIOSK, issue_token, principal, public, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict
from shared.records.directory import Unit

from services.survey.schemas import KioskConfigOut, KioskHeartbeatIn, KioskHeartbeatOut, KioskIn, KioskOut
from services.survey.submissions.citizen import kiosk_device
from services.survey.submissions.rate_limits import RateLimiter
from services.survey.surveys import catalog
from services.survey.surveys.models import KioskDevice, KioskHeartbeat

blp = Blueprint("kiosks", __name__, url_prefix="/api/v1", description="Kiosk devices")


def _ext():
    return current_app.extensions["tanggap"]


def _out(device: KioskDevice, token: str | None = None) -> dict:
    body = {k: getattr(device, k) for k in ("device_id", "name", "unit", "deployment", "idle_seconds", "active")}
    if token:
        body["token"] = token
        # The token travels in the URL fragment: browsers never send it to the server or proxies.
        body["setup_url"] = f"{_ext().settings.public_survey_url.rstrip('/')}/kiosk/setup#token={token}"
    return body


def _issue(device_id: str, values: dict, ttl_days: int, by: str) -> dict:
    token_id = uuid.uuid4().hex
    ext = _ext()
    token = issue_token(ext.settings, sub=device_id, roles=["kiosk"], unit=values["unit"],
                        ttl_seconds=ttl_days * 86400, clock=ext.clock, token_id=token_id, services=["survey"])
    try:
        doc, _ = KioskDevice.save_revision(device_id, {**values, "token_id": token_id, "active": True},
                                           at=ext.clock.now(), by=by)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"device_id": [str(exc)]}) from None
    return _out(doc, token)


@blp.route("/kiosks", methods=["POST"])
@require(ADMIN)
@blp.arguments(KioskIn)
@blp.response(201, KioskOut)
@refuses(blp, 422, "an unknown or inactive survey, or a survey of an unknown unit")
@refuses(blp, 409, "changed concurrently: send it again")
def register_kiosk(data):
    """Register (or re-register) a kiosk and issue its device token; any earlier token stops working."""
    return register(data, principal().sub)


def register(data: dict, by: str) -> dict:
    """A kiosk (re-)registered with a new token (shared by the API and the admin pages)."""
    dep = catalog.deployment(data["deployment"])
    if dep is None:
        raise ApiError(422, errors={"deployment": ["survei tidak dikenal atau tidak aktif / "
                                                   "unknown or inactive survey"]})
    if Unit.head(dep.unit) is None:
        raise ApiError(422, errors={"deployment": ["unit survei tidak dikenal / the survey's unit is unknown"]})
    values = {"name": data["name"], "unit": dep.unit, "deployment": dep.code, "idle_seconds": data["idle_seconds"]}
    return _issue(data["device_id"], values, data["token_ttl_days"], by)


@blp.route("/kiosks", methods=["GET"])
@require(ADMIN)
@blp.response(200, KioskOut(many=True))
def list_kiosks():
    return [_out(d) for d in KioskDevice.heads()]


@blp.route("/kiosks/<device_id>/disable", methods=["POST"])
@require(ADMIN)
@blp.response(200, KioskOut)
@refuses(blp, 404, "no kiosk with this device id")
@refuses(blp, 409, "changed concurrently: send it again")
def disable_kiosk(device_id):
    """Disable a lost or retired kiosk: its token is refused from now on."""
    return disable(device_id, principal().sub)


def disable(device_id: str, by: str) -> dict:
    device = KioskDevice.head(device_id)
    if device is None:
        raise ApiError(404, errors={"device_id": ["tidak dikenal / unknown"]})
    try:
        doc, _ = KioskDevice.save_revision(device_id, {"active": False}, at=_ext().clock.now(), by=by)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"device_id": [str(exc)]}) from None
    return _out(doc)


@blp.route("/kiosk/config", methods=["GET"])
@require(KIOSK)
@blp.response(200, KioskConfigOut)
@refuses(blp, 403, "the kiosk was disabled or its token replaced", beyond_schema=False)
@refuses(blp, 409, "the kiosk's survey is not active")
def kiosk_config():
    """What a kiosk shows: its unit, its survey (exact template version) and the idle reset time."""
    device = kiosk_device(principal())
    dep = catalog.deployment(device.deployment)
    template = catalog.deployment_template(dep) if dep else None
    if template is None:
        raise ApiError(409, "Survei kios ini tidak aktif", "This kiosk's survey is not active",
                       code="kiosk_survey_inactive", errors={"deployment": ["inactive"]})
    unit = Unit.head(device.unit)
    return {"device_id": device.device_id, "name": device.name, "deployment": device.deployment,
            "idle_seconds": device.idle_seconds, "template": template.to_dict(),
            "unit": {"code": unit.code, "name": unit.name, "name_en": unit.name_en} if unit else {"code": device.unit}}


HEARTBEAT_SECONDS = 300          # kiosk.js sends one every 5 minutes, on start and after a flush
HEARTBEATS_PER_MINUTE = 12       # per device; more is a misbehaving tablet, not a live one


def _heartbeat_limiter() -> RateLimiter:
    ext = _ext()
    if "kiosk_heartbeats" not in ext.state:
        ext.state["kiosk_heartbeats"] = RateLimiter(HEARTBEATS_PER_MINUTE, ext.settings.web_concurrency)
    return ext.state["kiosk_heartbeats"]


@blp.route("/kiosk/heartbeat", methods=["POST"])
@require(KIOSK)
@blp.arguments(KioskHeartbeatIn)
@blp.response(201, KioskHeartbeatOut)
@refuses(blp, 403, "the kiosk was disabled or its token replaced", beyond_schema=False)
@refuses(blp, 429, "more heartbeats from this device than a live kiosk sends")
def kiosk_heartbeat(data):
    """A kiosk is alive and holds ``queued`` unsent responses; each heartbeat is a new record."""
    device = kiosk_device(principal())
    now = _ext().clock.now()
    _heartbeat_limiter().check("heartbeat:" + device.device_id, now)
    KioskHeartbeat(device=device.device_id, at=now, queued=data["queued"],
                   app_version=data.get("app_version")).save(force_insert=True)
    return {"device_id": device.device_id, "at": now, "interval_seconds": HEARTBEAT_SECONDS}


RECENT = timedelta(days=2)
MAX_SCAN = 20_000


def last_heartbeats(device_ids: list[str], now: datetime) -> tuple[dict[str, dict[str, Any]], bool]:
    """device id -> its newest heartbeat (``at``, ``queued``), and whether the answer is complete
    (False: a device not in it may have older heartbeats beyond the bound than were read).

    Newest first, folded in Python (no aggregation pipeline, which FerretDB gets wrong): the
    last two days for every device, then, only for the devices not seen there, everything
    before; each read stops once every device is found and after ``MAX_SCAN`` documents."""
    wanted = set(device_ids)
    found: dict[str, dict[str, Any]] = {}
    complete = True
    for window in ({"at__gte": now - RECENT}, {"at__lt": now - RECENT}):
        missing = sorted(wanted - set(found))
        if not missing:
            break
        query = KioskHeartbeat.objects(device__in=missing, **window).order_by("-at")
        read = 0
        for doc in query.only("device", "at", "queued").limit(MAX_SCAN).batch_size(500).as_pymongo():
            read += 1
            found.setdefault(doc["device"], {"at": doc["at"], "queued": doc["queued"]})
            if len(found) == len(wanted):
                break
        complete = complete and read < MAX_SCAN
    return found, complete


def _manifest():
    """The kiosk page as an installable web app (full screen at the counter)."""
    body = {"name": "Tanggap Kiosk", "short_name": "Tanggap", "lang": "id",
            "description": "Survei kepuasan di loket pelayanan / Satisfaction survey at the service counter",
            "start_url": "/kiosk", "scope": "/kiosk", "display": "standalone", "orientation": "any",
            "background_color": "#ffffff", "theme_color": "#0b5394",
            "icons": [{"src": url_for("pages.static", filename="kiosk-icon.svg"), "sizes": "any",
                       "type": "image/svg+xml", "purpose": "any"}]}
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})


# The kiosk pages live under /kiosk, outside this blueprint's /api/v1.
blp.record_once(lambda state: state.app.add_url_rule("/kiosk/manifest.webmanifest", "kiosk_manifest",
                                                     public(_manifest), methods=["GET"]))
