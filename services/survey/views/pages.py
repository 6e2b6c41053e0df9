"""The citizen-facing pages: the survey web form (phone, QR code) and the kiosk app.

The web form is server-rendered and works without JavaScript. The kiosk is a small script
page (full screen, smiley buttons, offline queue) that posts to the same intake API.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, make_response, render_template, request

from shared.auth import public
from shared.directory import Employee, Service, Unit
from shared.errors import ApiError
from shared.i18n import current_lang, t
from shared.webauth import csrf_exempt

from .. import catalog, spec
from ..citizen import Origin, submit
from ..schemas import PROFILE_CHOICES

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/survey-static")


def _form_context(dep, template, values=None, errors=None):
    unit = Unit.head(dep.unit)
    service = Service.head(Service.ref_of(dep.unit, dep.service)) if dep.service else None
    officer = Employee.head(dep.officer) if dep.officer else None
    return {"dep": dep, "template": template, "unit": unit, "service": service,
            "officer_name": officer.name if officer else None, "values": values or {}, "errors": errors or {},
            "profile_choices": PROFILE_CHOICES if template.kind == "skm" else {},
            "response_id": (values or {}).get("id") or str(uuid.uuid4())}


def _not_found():
    return render_template("ui/error.html", status=404,
                           message=t("Survei ini tidak ditemukan atau sudah ditutup.",
                                     "This survey does not exist or has been closed.")), 404


@bp.route("/s/<code>", methods=["GET"])
@public
def form(code):
    dep = catalog.deployment(code)
    template = catalog.deployment_template(dep) if dep else None
    if template is None or template.kind == "peer":
        return _not_found()
    return render_template("survey/form.html", **_form_context(dep, template))


def _body_from_form(template: spec.TemplateSpec) -> dict:
    answers: dict = {}
    for q in template.questions:
        name = f"a.{q.code}"
        if q.type == spec.MULTIPLE:
            picked = request.form.getlist(name)
            if picked:
                answers[q.code] = picked
        else:
            raw = request.form.get(name, "").strip()
            if raw == "":
                continue
            if q.type in (spec.SCALE, spec.NPS):
                answers[q.code] = int(raw) if raw.lstrip("-").isdigit() else raw
            else:
                answers[q.code] = raw
    body: dict = {"id": request.form.get("id") or None, "answers": answers, "lang": current_lang()}
    version = request.form.get("template_version", "")
    if version.isdigit():
        body["template_version"] = int(version)
    if template.kind == "skm":
        profile = {k: request.form.get(f"p.{k}") or None for k in PROFILE_CHOICES}
        if any(profile.values()):
            body["profile"] = profile
        if request.form.get("comment", "").strip():
            body["comment"] = request.form["comment"]
    return {k: v for k, v in body.items() if v is not None}


@bp.route("/s/<code>", methods=["POST"])
@public
@csrf_exempt
def form_submit(code):
    dep = catalog.deployment(code)
    template = catalog.deployment_template(dep) if dep else None
    if template is None or template.kind == "peer":
        return _not_found()
    body = _body_from_form(template)
    data = {**body, "deployment": dep.code}
    try:
        if "id" in data:
            data["id"] = uuid.UUID(data["id"])
        result = submit(data, body, Origin(channel="web", client_address=request.remote_addr))
    except ValueError:
        return render_template("survey/form.html", **_form_context(dep, template, body, {"id": ["invalid"]})), 422
    except ApiError as err:
        status = err.status if err.status in (409, 422, 429) else 422
        resp = make_response(render_template("survey/form.html", **_form_context(dep, template, body, err.errors),
                                             limited=err.status == 429), status)
        for key, value in err.headers.items():
            resp.headers[key] = value
        return resp
    return render_template("survey/thanks.html", dep=dep, response=result.response)


@bp.route("/kiosk", methods=["GET"])
@public
def kiosk():
    return render_template("survey/kiosk.html")


@bp.route("/kiosk/setup", methods=["GET"])
@public
def kiosk_setup():
    return render_template("survey/kiosk_setup.html")


@bp.route("/kiosk/sw.js", methods=["GET"])
@public
def kiosk_service_worker():
    resp = make_response(render_template("survey/sw.js"))
    resp.headers["Content-Type"] = "application/javascript; charset=utf-8"
    resp.headers["Service-Worker-Allowed"] = "/kiosk"
    resp.headers["Cache-Control"] = "no-cache"
    return resp
