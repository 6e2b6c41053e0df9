"""Citizen submissions (JSON API, web form and kiosk share this path).

Resolves what a response is about (deployment or unit, service, officer), picks the exact
template version, checks the answers, applies the rate limits, and stores the response
with its event. A response names an officer only through a deployment (or kiosk) pinned to
that officer, or an officer who serves in the rated unit or one below it: nobody can rate a
person of another unit into a coaching case. Everything that can be wrong is a 4xx before anything is written.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app

from shared.platform.auth import Principal
from shared.platform.errors import ApiError
from shared.records.directory import Employee, Service, Unit, serves_in

from services.survey.submissions import acceptance
from services.survey.submissions.lookup_cache import LookupCache
from services.survey.submissions.rate_limits import RateLimiter
from services.survey.surveys import catalog, spec
from services.survey.surveys.models import KioskDevice


@dataclass(frozen=True)
class Origin:
    channel: str                    # web | kiosk | api
    client_address: str | None
    kiosk: Principal | None = None  # the device token's principal, for kiosk submissions


def limiters() -> tuple[RateLimiter, RateLimiter]:
    ext = current_app.extensions["tanggap"]
    if "limiters" not in ext.state:
        workers = ext.settings.web_concurrency
        ext.state["limiters"] = (RateLimiter(ext.settings.rate_limit_client, workers),
                                 RateLimiter(ext.settings.rate_limit_device, workers))
    return ext.state["limiters"]


def lookups() -> LookupCache:
    ext = current_app.extensions["tanggap"]
    if "lookups" not in ext.state:
        ext.state["lookups"] = LookupCache(ext.settings.reference_cache_seconds, ext.clock)
    return ext.state["lookups"]


def kiosk_device(principal: Principal) -> KioskDevice:
    """The active device behind a kiosk token whose token is the device's current one."""
    device = KioskDevice.head(principal.sub)
    if device is None or not device.active or device.token_id != principal.token_id:
        raise ApiError(403, "Perangkat kios tidak aktif atau tokennya sudah diganti",
                       "This kiosk device is disabled or its token was replaced", code="kiosk_revoked",
                       errors={"Authorization": ["kiosk token no longer valid"]})
    return device


def check_target(cache: LookupCache, unit_code: str, service: str | None, officer: str | None,
                 pinned: str | None = None) -> None:
    """What a citizen's response or complaint is about exists and fits: an active unit, a
    service of it, an active officer who serves in it (or the officer a deployment is pinned
    to). Raises a 422 naming the field."""
    unit_doc = cache.get("unit", unit_code, lambda: Unit.head(unit_code))
    if unit_doc is None:
        raise ApiError(422, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    if not unit_doc.active:
        raise ApiError(422, errors={"unit": ["unit ini sudah tidak aktif / this unit is closed"]})
    service_ref = Service.ref_of(unit_code, service) if service else None
    if service_ref and cache.get("service", service_ref, lambda: Service.head(service_ref)) is None:
        raise ApiError(422, errors={"service": ["layanan tidak dikenal di unit ini / unknown service in this unit"]})
    if officer:
        person = cache.get("officer", officer, lambda: Employee.head(officer))
        if person is None or not person.active:
            raise ApiError(422, errors={"officer": ["petugas tidak dikenal / unknown officer"]})
        def unit_of(code: str):
            return cache.get("unit", code, lambda: Unit.head(code))

        if officer != pinned and not serves_in(person.unit, unit_code, unit_of):
            raise ApiError(422, errors={"officer": ["petugas ini tidak bertugas di unit ini / this officer does not "
                                                    "serve in this unit"]})


def submit(data: dict, raw_body: dict, origin: Origin) -> acceptance.Accepted:
    ext = current_app.extensions["tanggap"]
    settings, clock = ext.settings, ext.clock
    client_limit, device_limit = limiters()
    device = None
    if origin.kiosk is not None:
        device = kiosk_device(origin.kiosk)
        device_limit.check(acceptance.client_hash(settings, "device:" + device.device_id), clock.now())
        if data.get("unit"):
            raise ApiError(422, errors={"unit": ["kios mengirim untuk surveinya sendiri, tanpa unit / a kiosk submits "
                                                 "for its own survey, without a unit"]})
        data.setdefault("deployment", device.deployment)
        if data["deployment"] != device.deployment:
            raise ApiError(422, errors={"deployment": ["kios ini terikat pada survei lain / this kiosk is bound to "
                                                       "another survey"]})
    else:
        client_limit.check(acceptance.client_hash(settings, origin.client_address or ""), clock.now())

    cache = lookups()
    service, officer = data.get("service"), data.get("officer")
    if data.get("deployment"):
        dep = cache.get("deployment", data["deployment"], lambda: catalog.deployment(data["deployment"]))
        if dep is None:
            raise ApiError(422, errors={"deployment": ["survei tidak dikenal atau tidak aktif / unknown or inactive "
                                                       "survey"]})
        unit_code, deployment = dep.unit, dep.code
        service = dep.service or service
        if dep.officer and officer and officer != dep.officer:
            raise ApiError(422, errors={"officer": ["survei ini untuk petugas lain / this survey is pinned to "
                                                    "another officer"]})
        pinned = dep.officer
        officer = dep.officer or officer
        version = data.get("template_version") or dep.template_version
        template = cache.get("template", (dep.template, version), lambda: catalog.template(dep.template, version))
        if template is None or (dep.template_version and data.get("template_version")
                                and data["template_version"] != dep.template_version):
            raise ApiError(422, errors={"template_version": ["versi survei tidak dikenal / unknown survey version"]})
    elif data.get("unit"):
        unit_code, deployment, pinned = data["unit"], None, None
        template = catalog.template(spec.SKM_CODE, data.get("template_version"))
        if template is None:
            raise ApiError(422, errors={"template_version": ["versi survei tidak dikenal / unknown survey version"]})
    else:
        message = "isi deployment atau unit / give a deployment or a unit"
        raise ApiError(422, errors={"deployment": [message], "unit": [message]})

    if template.kind == "peer":
        raise ApiError(422, errors={"deployment": ["umpan balik rekan memakai /api/v1/peer-feedback / peer feedback "
                                                   "goes to /api/v1/peer-feedback"]})
    check_target(cache, unit_code, service, officer, pinned)
    if template.kind != "skm" and data.get("profile"):
        raise ApiError(422, errors={"profile": ["profil hanya untuk SKM / the profile belongs to the SKM"]})

    answers = acceptance.checked(template, data["answers"])
    response_id = str(data.get("id") or uuid.uuid4())
    ctx = acceptance.Context(unit=unit_code, service=service, officer=officer, deployment=deployment,
                         channel=origin.channel, device=device.device_id if device else None,
                         client_address=origin.client_address)
    doc = acceptance.citizen_response(raw_body, response_id=response_id, template=template, answers=answers, ctx=ctx,
                                  profile=data.get("profile"), comment=data.get("comment"), lang=data.get("lang"),
                                  settings=settings, clock=clock)
    return acceptance.store(doc)


def accepted_body(doc) -> dict:
    return {"id": doc.id, "status": "accepted", "unit": doc.unit, "period": doc.period,
            "received_at": doc.received_at}
