"""Survey templates and deployments (a survey placed at a unit/service, with its QR code)."""
from __future__ import annotations

import secrets

from flask import Response as FlaskResponse
from flask import current_app
from flask_smorest import Blueprint

from shared.platform.auth import ADMIN, principal, public, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict
from shared.records.directory import Employee, Service, Unit, serves_in

from services.survey.schemas import DeploymentIn, DeploymentOut, TemplateIn, TemplateOut, TemplateQuery
from services.survey.surveys import catalog, qr, spec
from services.survey.surveys.models import Deployment, SurveyTemplate

blp = Blueprint("surveys", __name__, url_prefix="/api/v1", description="Survey templates and deployments")

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by hand


def _ext():
    return current_app.extensions["tanggap"]


@blp.route("/templates", methods=["GET"])
@public
@blp.response(200, TemplateOut(many=True))
def list_templates():
    """Built-in (SKM, BerAKHLAK 360) and custom templates, latest versions."""
    custom = [catalog.from_document(doc) for doc in SurveyTemplate.heads()]
    return [t.to_dict() for t in [*spec.BUILTIN_LATEST.values(), *custom]]


@blp.route("/templates/<code>", methods=["GET"])
@public
@blp.arguments(TemplateQuery, location="query")
@blp.response(200, TemplateOut)
@refuses(blp, 404, "no template with this code, or not this version")
def get_template(args, code):
    """One template; ``version`` gives an older version (versions never change once made)."""
    found = catalog.template(code, args.get("version"))
    if found is None:
        raise ApiError(404, errors={"code": ["template tidak dikenal / unknown template"]})
    return found.to_dict()


@blp.route("/templates", methods=["POST"])
@require(ADMIN)
@blp.arguments(TemplateIn)
@blp.response(201, TemplateOut)
@refuses(blp, 422, "a built-in template's code, or an unknown owner unit")
@refuses(blp, 409, "changed concurrently: send it again")
def put_template(data):
    """Create a custom template, or a new version of it (earlier versions stay as they were)."""
    doc, _changed = publish_template(data, principal().sub)
    return catalog.from_document(doc).to_dict()


def check_template(data: dict) -> None:
    """What a template body must be beyond its schema: not a built-in code, a known owner unit."""
    if data["code"] in spec.BUILTIN_LATEST:
        raise ApiError(422, errors={"code": ["kode bawaan / built-in code"]})
    if data.get("owner_unit") and Unit.head(data["owner_unit"]) is None:
        raise ApiError(422, errors={"owner_unit": ["unit tidak dikenal / unknown unit"]})


def publish_template(data: dict, by: str) -> tuple[SurveyTemplate, bool]:
    """A checked template body (``TemplateIn``) as the next version of its code; an unchanged
    body adds nothing and returns the current version (shared by the API and the builder)."""
    check_template(data)
    data = dict(data)
    code = data.pop("code")
    try:
        return SurveyTemplate.save_revision(code, {**data, "kind": "custom"}, at=_ext().clock.now(), by=by)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"code": [str(exc)]}) from None


def deployment_out(dep: Deployment) -> dict:
    base = _ext().settings.public_survey_url.rstrip("/")
    return {**{k: getattr(dep, k) for k in ("code", "template", "template_version", "unit", "service", "officer",
                                           "title", "active")},
            "url": f"{base}/s/{dep.code}", "qr_png": f"{base}/api/v1/deployments/{dep.code}/qr.png",
            "qr_svg": f"{base}/api/v1/deployments/{dep.code}/qr.svg"}


def _check_target(data: dict) -> None:
    if catalog.template(data["template"], data.get("template_version")) is None:
        raise ApiError(422, errors={"template": ["template atau versi tidak dikenal / unknown template or version"]})
    unit = Unit.head(data["unit"])
    if unit is None:
        raise ApiError(422, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    if not unit.active and data.get("active", True):   # pausing one there is fine, resuming is not
        raise ApiError(422, errors={"unit": ["unit ini sudah tidak aktif / this unit is closed"]})
    if data.get("service") and Service.head(Service.ref_of(data["unit"], data["service"])) is None:
        raise ApiError(422, errors={"service": ["layanan tidak dikenal di unit ini / unknown service in this unit"]})
    person = Employee.head(data["officer"]) if data.get("officer") else None
    if data.get("officer") and person is None:
        raise ApiError(422, errors={"officer": ["petugas tidak dikenal / unknown officer"]})
    if person is not None and not serves_in(person.unit, data["unit"]):
        raise ApiError(422, errors={"officer": ["petugas ini tidak bertugas di unit ini / this officer does not "
                                                "serve in this unit"]})


@blp.route("/deployments", methods=["POST"])
@require(ADMIN)
@blp.arguments(DeploymentIn)
@blp.response(201, DeploymentOut)
@refuses(blp, 422, "unknown template or version, unit, service in the unit, or officer")
@refuses(blp, 503, "no unique public code could be drawn (try again)", beyond_schema=False)
def create_deployment(data):
    """Put a survey in front of respondents: returns its public code, form URL and QR codes."""
    return deployment_out(new_deployment(data, principal().sub))


def new_deployment(data: dict, by: str) -> Deployment:
    """A new deployment under a freshly drawn public code (shared by the API and the admin pages)."""
    _check_target(data)
    unit = Unit.head(data["unit"])
    if unit is None or not unit.active:                 # not even a paused one in a closed unit
        raise ApiError(422, errors={"unit": ["unit ini sudah tidak aktif / this unit is closed"]})
    service = Service.head(Service.ref_of(data["unit"], data["service"])) if data.get("service") else None
    if service is not None and not service.active:
        raise ApiError(422, errors={"service": ["layanan ini tidak aktif lagi / this service is no longer offered"]})
    for _ in range(10):
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        try:
            doc, _ = Deployment.save_revision(code, data, at=_ext().clock.now(), by=by, expected_rev=0)
            return doc
        except RevisionConflict:
            continue  # the code was taken (claimed by a unique insert): draw another
    raise ApiError(503, errors={"code": ["tidak bisa membuat kode unik / could not draw a unique code"]})


@blp.route("/deployments/<code>", methods=["PUT"])
@require(ADMIN)
@blp.arguments(DeploymentIn)
@blp.response(200, DeploymentOut)
@refuses(blp, 404, "no deployment with this code")
@refuses(blp, 422, "unknown template or version, unit, service in the unit, or officer")
@refuses(blp, 409, "changed concurrently: send it again")
def update_deployment(data, code):
    """Change a deployment (e.g. deactivate it, or move it to a newer template version)."""
    return deployment_out(change_deployment(code, data, principal().sub))


def change_deployment(code: str, data: dict, by: str) -> Deployment:
    """The next revision of a deployment (shared by the API and the admin pages)."""
    if Deployment.head(code) is None:
        raise ApiError(404, errors={"code": ["tidak dikenal / unknown"]})
    _check_target(data)
    try:
        doc, _ = Deployment.save_revision(code, data, at=_ext().clock.now(), by=by)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"code": [str(exc)]}) from None
    return doc


@blp.route("/deployments/<code>/retire", methods=["POST"])
@require(ADMIN)
@blp.response(200, DeploymentOut)
@refuses(blp, 404, "no deployment with this code (or it is retired already)")
@refuses(blp, 409, "an active kiosk still shows it (move or disable the kiosk first), or changed concurrently")
def retire(code):
    """Retire a deployment for good: its form and QR code answer 'closed', it takes no response
    and cannot be resumed (pausing is for a while); its responses and history stay."""
    return deployment_out(retire_deployment(code.upper(), principal().sub))


def retire_deployment(code: str, by: str) -> Deployment:
    """Shared by the API and the admin pages."""
    from services.survey.surveys.models import KioskDevice
    dep = Deployment.head(code)
    if dep is None:
        raise ApiError(404, errors={"code": ["tidak dikenal / unknown"]})
    kiosks = sorted(k.device_id for k in KioskDevice.heads(deployment=code) if k.active)
    if kiosks:
        raise ApiError(409, "Kios masih memakai survei ini", "A kiosk still shows this survey",
                       errors={"code": [f"kios {', '.join(kiosks)} masih memakainya; pindahkan atau nonaktifkan dulu / "
                                        f"kiosk {', '.join(kiosks)} still shows it; move or disable it first"]})
    try:
        doc, _ = Deployment.save_revision(code, {"active": False, "deleted": True}, at=_ext().clock.now(), by=by,
                                          expected_rev=dep.rev)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"code": [str(exc)]}) from None
    return doc


@blp.route("/deployments", methods=["GET"])
@require(ADMIN)
@blp.response(200, DeploymentOut(many=True))
def list_deployments():
    return [deployment_out(d) for d in Deployment.heads()]


@blp.route("/deployments/<code>", methods=["GET"])
@public
@blp.response(200, DeploymentOut)
@refuses(blp, 404, "no deployment with this code")
def get_deployment(code):
    """A deployment as the form needs it (public: it is printed on posters). An inactive one
    is shown with ``active: false``: its form is closed and it takes no responses."""
    dep = _known(code)
    return deployment_out(dep)


def _known(code: str) -> Deployment:
    dep = Deployment.head(code.upper())
    if dep is None:
        raise ApiError(404, errors={"code": ["survei tidak dikenal / unknown survey"]})
    return dep


def _qr(code: str, kind: str):
    dep = _known(code)
    url = deployment_out(dep)["url"]
    body, mimetype = (qr.png(url), "image/png") if kind == "png" else (qr.svg(url), "image/svg+xml")
    return FlaskResponse(body, mimetype=mimetype, headers={"Cache-Control": "public, max-age=3600"})


@blp.route("/deployments/<code>/qr.png", methods=["GET"])
@public
@blp.response(200, content_type="image/png", description="QR code opening the web form")
@refuses(blp, 404, "no deployment with this code")
def qr_png(code):
    return _qr(code, "png")


@blp.route("/deployments/<code>/qr.svg", methods=["GET"])
@public
@blp.response(200, content_type="image/svg+xml", description="QR code opening the web form")
@refuses(blp, 404, "no deployment with this code")
def qr_svg(code):
    return _qr(code, "svg")
