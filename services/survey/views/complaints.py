"""Complaints and suggestions, the citizen's side: the intake API, the form pages and the
tracking page. Public: no account; a kiosk sends its device token. The tracking page and
``GET /api/v1/complaints/<ticket>`` need the ticket's key: a wrong or missing key is a 404,
the same answer as a ticket that does not exist."""
from __future__ import annotations

import uuid

from flask import Blueprint as PageBlueprint
from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields

from shared.domain import complaints, skm
from shared.platform.auth import KIOSK, authenticate, public
from shared.platform.errors import ApiError, ErrorOut, flatten
from shared.platform.i18n import current_lang, t
from shared.platform.openapi import refuses
from shared.platform.webauth import csrf_exempt
from shared.records.complaints import Complaint, key_matches
from shared.records.directory import Employee, Service, Unit

from services.survey.complaints import intake, tracking
from services.survey.schemas import ComplaintAcceptedOut, ComplaintIn, ComplaintTrackOut
from services.survey.submissions.citizen import Origin
from services.survey.surveys import catalog

blp = Blueprint("complaints", __name__, url_prefix="/api/v1/complaints",
                description="Citizens' complaints, suggestions and requests for information (saran dan pengaduan). "
                            "Public: anyone may send one; a kiosk sends its device token as a bearer token.")
bp = PageBlueprint("complaint_pages", __name__, template_folder="../templates")


class KeyQuery(Schema):
    key = fields.String(load_default=None, metadata={"description": "the ticket's tracking key"})


def _settings():
    return current_app.extensions["tanggap"].settings


def _not_found() -> ApiError:
    return ApiError(404, "Tiket tidak ditemukan", "No such ticket", code="not_found",
                    errors={"ticket": ["tiket atau kunci salah / wrong ticket or key"]})


def _tracked(ticket: str, key) -> Complaint:
    doc = Complaint.objects(pk=ticket).first() if len(ticket) <= 40 else None
    if doc is None or not key_matches(_settings(), ticket, key):
        raise _not_found()
    return doc


@blp.route("", methods=["POST"])
@public
@blp.arguments(ComplaintIn)
@blp.response(201, ComplaintAcceptedOut)
@refuses(blp, 401, "an Authorization header that is not a valid token", beyond_schema=False)
@refuses(blp, 403, "a token that is not a kiosk's, or a kiosk token that was revoked", beyond_schema=False)
@refuses(blp, 409, "the id was already used with different content")
@refuses(blp, 422, "an unknown unit, service, officer or survey, no text, or a contact without consent")
@blp.alt_response(429, response={"description": "too many submissions from this client or device",
                                 "schema": ErrorOut, "content_type": None,
                                 "headers": {"Retry-After": {"description": "seconds to wait",
                                                             "schema": {"type": "integer"}}}})
def submit_complaint(data):
    """Send a complaint, a suggestion or a request for information to a unit.

    Answers with the ticket number and its tracking key (keep both: they open the tracking
    page). Sending the same ``id`` again returns the same ticket and stores nothing new.
    """
    kiosk = None
    if request.headers.get("Authorization"):
        principal = authenticate()
        if not principal.has(KIOSK):
            raise ApiError(403, errors={"Authorization": ["only kiosk tokens submit here"]})
        kiosk = principal
    origin = Origin(channel="kiosk" if kiosk else "api", client_address=request.remote_addr, kiosk=kiosk)
    taken = intake.take(data, origin)
    headers = {} if taken.created else {"Idempotent-Replayed": "true"}
    return intake.accepted_body(_settings(), taken.complaint), 201, headers


@blp.route("/<ticket>", methods=["GET"])
@public
@blp.arguments(KeyQuery, location="query")
@blp.response(200, ComplaintTrackOut)
@refuses(blp, 404, "no such ticket, or the key is wrong or missing")
def track_complaint(args, ticket):
    """A ticket's status, the date of each step and the unit's public answer (never the
    citizen's contact or the handlers' notes)."""
    return tracking.view(_tracked(ticket, args.get("key")), request.args.get("lang") or "id")


# -- pages -------------------------------------------------------------------------------------

FORM_FIELDS = ("id", "kind", "text", "unsur", "email", "phone", "consent", "unit")
FIELD_LABELS = {"kind": ("Jenis", "Kind"), "text": ("Isi pengaduan atau saran", "Your complaint or suggestion"),
                "unsur": ("Unsur layanan", "Service element"), "contact.email": ("Surel", "E-mail"),
                "contact.phone": ("Telepon", "Phone"), "consent": ("Persetujuan", "Consent"),
                "unit": ("Unit", "Unit"), "officer": ("Petugas", "Officer"), "service": ("Layanan", "Service"),
                "id": ("Formulir", "Form"), "deployment": ("Survei", "Survey"), "_request": ("Kiriman", "Sending")}
ANCHORS = {"contact.email": "email", "contact.phone": "phone"}
UNSUR_NAMES = {u[0]: (u[1], u[2]) for u in skm.UNSUR}


def _body_of(form) -> tuple[dict, dict]:
    """The API's body from the form's fields; unknown or repeated fields are errors."""
    errors: dict[str, list[str]] = {}
    body: dict = {}
    for name, values in form.lists():
        if name not in FORM_FIELDS:
            errors.setdefault("_request", []).append("isian tidak dikenal / unknown field")
            continue
        if len(values) != 1:
            errors[name] = ["hanya satu nilai / only one value"]
            continue
        value = values[0].strip()
        if not value:
            continue
        if name in ("email", "phone"):
            body.setdefault("contact", {})[name] = value
        elif name == "consent":
            body["consent"] = value == "yes"
        else:
            body[name] = value
    return body, errors


def _page_errors(errors: dict) -> list[dict]:
    lang = 1 if current_lang() == "en" else 0
    shown = []
    for path, messages in errors.items():
        text = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        text = text.split(" / ")[lang] if " / " in text else text
        shown.append({"anchor": ANCHORS.get(path, path if path in FORM_FIELDS else None),
                      "label": FIELD_LABELS.get(path, (path, path))[lang], "text": text})
    return shown


def _context(unit_code: str | None, dep=None, values=None, errors=None) -> dict:
    unit = Unit.head(unit_code) if unit_code else None
    service = Service.head(Service.ref_of(dep.unit, dep.service)) if dep is not None and dep.service else None
    officer = Employee.head(dep.officer) if dep is not None and dep.officer else None
    shown = _page_errors(errors or {})
    return {"unit": unit, "dep": dep, "service": service, "officer_name": officer.name if officer else None,
            "values": values or {}, "page_errors": shown, "field_errors": {e["anchor"]: e["text"] for e in shown
                                                                           if e["anchor"]},
            "kinds": complaints.KINDS, "kind_labels": complaints.KIND_LABELS, "unsur_codes": skm.UNSUR_CODES,
            "unsur_label": lambda code: UNSUR_NAMES[code][1 if current_lang() == "en" else 0],
            "form_id": (values or {}).get("id") or str(uuid.uuid4()),
            "units": [] if unit else [u for u in Unit.heads() if u.active]}


def _form_page(unit_code: str | None, dep=None, values=None, errors=None, status: int = 200, headers=None):
    resp = make_response(render_template("survey/complaint_form.html",
                                         **_context(unit_code, dep, values, errors)), status)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _submit_page(unit_code: str | None, dep=None):
    body, errors = _body_of(request.form)
    values = {**body, **body.get("contact", {})}
    if dep is not None:
        body.pop("unit", None)
        body["deployment"] = dep.code
    elif unit_code:
        body["unit"] = unit_code
    body["lang"] = current_lang()
    try:
        data = ComplaintIn().load(body)
    except ValidationError as exc:
        errors.update(flatten(exc.messages))
    if errors:
        return _form_page(unit_code or body.get("unit"), dep, values, errors, 422)
    try:
        taken = intake.take(data, Origin(channel="web", client_address=request.remote_addr))
    except ApiError as err:
        if err.status == 503:
            busy = {"_request": ["layanan sedang sibuk, kirim lagi sebentar lagi / busy, please send it again shortly"]}
            return _form_page(unit_code or body.get("unit"), dep, values, busy, 503)
        status = err.status if err.status in (409, 422, 429) else 422
        return _form_page(unit_code or body.get("unit"), dep, values, err.errors, status, err.headers)
    return render_template("survey/complaint_sent.html", complaint=taken.complaint,
                           accepted=intake.accepted_body(_settings(), taken.complaint))


@bp.route("/pengaduan", methods=["GET"])
@public
def complaint_form():
    """The form alone, for a unit (``?unit=``) or with the list of units to pick from."""
    unit = request.args.get("unit")
    if unit and Unit.head(unit) is None:
        unit = None
    return _form_page(unit)


@bp.route("/pengaduan", methods=["POST"])
@public
@csrf_exempt
def complaint_form_submit():
    return _submit_page(None)


@bp.route("/s/<code>/pengaduan", methods=["GET"])
@public
def deployment_complaint_form(code):
    """The form from the counter's QR code (after the SKM or alone): the counter's unit,
    service and officer come from the deployment."""
    dep = catalog.deployment(code)
    if dep is None:
        return render_template("ui/error.html", status=404, message=t("Survei ini tidak ditemukan.",
                                                                      "This survey does not exist.")), 404
    return _form_page(dep.unit, dep)


@bp.route("/s/<code>/pengaduan", methods=["POST"])
@public
@csrf_exempt
def deployment_complaint_submit(code):
    dep = catalog.deployment(code)
    if dep is None:
        return render_template("ui/error.html", status=404, message=t("Survei ini tidak ditemukan.",
                                                                      "This survey does not exist.")), 404
    return _submit_page(dep.unit, dep)


@bp.route("/pengaduan/lacak", methods=["GET"])
@public
def track_form():
    """Where a citizen types the ticket number and key to follow it."""
    ticket, key = (request.args.get("ticket") or "").strip().upper(), (request.args.get("key") or "").strip()
    if ticket and key:
        return redirect(url_for("complaint_pages.track_page", ticket=ticket, key=key))
    return render_template("survey/complaint_track_form.html", ticket=ticket,
                           missing=bool(request.args) and not (ticket and key))


@bp.route("/pengaduan/lacak/<ticket>", methods=["GET"])
@public
def track_page(ticket):
    try:
        doc = _tracked(ticket, request.args.get("key"))
    except ApiError:
        return render_template("ui/error.html", status=404,
                               message=t("Tiket tidak ditemukan, atau kuncinya salah.",
                                         "No such ticket, or the key is wrong.")), 404
    shown = tracking.view(doc, current_lang())
    unit_names = {u.code: u for u in Unit.heads(code__in=list({s["unit"] for s in shown["steps"]}))}
    return render_template("survey/complaint_track.html", t_=shown, complaint=doc, unit_names=unit_names,
                           kind_labels=complaints.KIND_LABELS)
