"""The citizen-facing pages: the survey web form (phone, QR code) and the kiosk app.

The web form is server-rendered and works without JavaScript. The kiosk is a small script
page (full screen, smiley buttons, offline queue) that posts to the same intake API.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.domain import skm
from shared.platform.auth import public
from shared.platform.errors import ApiError, flatten
from shared.platform.i18n import current_lang, t
from shared.platform.web import checks_own_form_text
from shared.platform.webauth import csrf_exempt
from shared.records.directory import Employee, Service, Unit

from services.survey.schemas import PROFILE_CHOICES, ResponseIn
from services.survey.submissions import web_form
from services.survey.submissions.citizen import Origin, submit
from services.survey.surveys import catalog

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/survey-static")


def _form_context(dep, template, values=None, errors=None):
    unit = Unit.head(dep.unit)
    service = Service.head(Service.ref_of(dep.unit, dep.service)) if dep.service else None
    officer = Employee.head(dep.officer) if dep.officer else None
    shown = web_form.page_errors(errors or {}, template, current_lang())
    return {"dep": dep, "template": template, "unit": unit, "service": service,
            "officer_name": officer.name if officer else None, "values": values or {},
            "page_errors": shown, "field_errors": {e.anchor: e.text for e in shown if e.anchor},
            "profile_choices": PROFILE_CHOICES if template.kind == "skm" else {},
            "profile_titles": skm.PROFILE_TITLES, "profile_label": skm.profile_answer_label,
            "response_id": (values or {}).get("id") or str(uuid.uuid4())}


def _not_found():
    return render_template("ui/error.html", status=404,
                           message=t("Survei ini tidak ditemukan atau sudah ditutup.",
                                     "This survey does not exist or has been closed.")), 404


@bp.route("/", methods=["GET"])
@public
def root():
    """The front door: the landing page (what each role may do; public results for anyone)."""
    return redirect(url_for("frontdoor.landing"))


@bp.route("/s/<code>", methods=["GET"])
@public
def form(code):
    dep = catalog.deployment(code)
    template = catalog.deployment_template(dep) if dep else None
    if template is None or template.kind == "peer":
        return _not_found()
    return render_template("survey/form.html", **_form_context(dep, template))


def _refused(dep, template, body: dict, errors: dict, status: int = 422, limited: bool = False, headers=None):
    # What was typed comes back (text that no database stores never reached the body); a
    # hidden id that was refused is replaced, so sending the form again can succeed.
    body = {k: v for k, v in body.items() if not (k == "id" and "id" in errors)}
    resp = make_response(render_template("survey/form.html", **_form_context(dep, template, body, errors),
                                         limited=limited), status)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


@bp.route("/s/<code>", methods=["POST"])
@public
@csrf_exempt
@checks_own_form_text
def form_submit(code):
    """The web form, validated like the API: the form is read into the API's body
    (:mod:`..web_form`), checked by the same schema, and submitted through the same path."""
    dep = catalog.deployment(code)
    template = catalog.deployment_template(dep) if dep else None
    if template is None or template.kind == "peer":
        return _not_found()
    read = web_form.read(request.form.to_dict(flat=False), template)
    body = {**read.body, "lang": current_lang()}
    errors = dict(read.errors)
    try:
        data = ResponseIn().load({**body, "deployment": dep.code})
    except ValidationError as exc:
        errors.update(flatten(exc.messages))
    if errors:
        # Every problem at once: the answers are checked too, as the submission would.
        _clean, answer_errors = template.check_answers(body["answers"])
        return _refused(dep, template, body, {**answer_errors, **errors})
    try:
        result = submit(data, body, Origin(channel="web", client_address=request.remote_addr))
    except ApiError as err:
        status = err.status if err.status in (409, 422, 429) else 422
        return _refused(dep, template, body, err.errors, status, limited=err.status == 429, headers=err.headers)
    return render_template("survey/thanks.html", dep=dep, response=result.response)


@bp.route("/kiosk", methods=["GET"])
@public
def kiosk():
    return render_template("survey/kiosk.html", unsur=[[u[0], u[1], u[2]] for u in skm.UNSUR])


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
