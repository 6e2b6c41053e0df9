"""Kiosk devices: tablets at the counter, bound to a unit and a deployment."""
from __future__ import annotations

import uuid

from flask import current_app
from flask_smorest import Blueprint

from shared.platform.auth import ADMIN, KIOSK, issue_token, principal, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict
from shared.records.directory import Unit

from services.survey.schemas import KioskConfigOut, KioskIn, KioskOut
from services.survey.submissions.citizen import kiosk_device
from services.survey.surveys import catalog
from services.survey.surveys.models import KioskDevice

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
