"""The employee portal's feedback pages (employees, login; a user linked to an active NIP):
the colleagues one may rate this month (same unit, direct supervisor, direct reports) with what
is done and what is still open, and the BerAKHLAK form for one colleague. The form is read into
the API's body (:mod:`..web_form`), checked by the API's schema and stored by the API's own
function, so the page and ``POST /api/v1/peer-feedback`` accept and refuse the same things."""
from __future__ import annotations

import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.domain import berakhlak
from shared.platform import forms
from shared.platform.auth import EMPLOYEE
from shared.platform.errors import ApiError, flatten
from shared.platform.i18n import current_lang, t
from shared.platform.web import this_month
from shared.platform.webauth import login_required, web_principal
from shared.records.directory import Employee

from services.survey.schemas import PeerIn
from services.survey.submissions import peer_circle, web_form
from services.survey.surveys import spec
from services.survey.views import peer

bp = Blueprint("me", __name__, url_prefix="/me", template_folder="../templates")
RELATIONS = {peer_circle.PEER: ("rekan satu unit", "colleague in the same unit"),
             peer_circle.SUPERVISOR: ("bawahan langsung Anda", "your direct report"),
             peer_circle.SUBORDINATE: ("atasan langsung Anda", "your direct supervisor")}


def _me() -> Employee | None:
    who = web_principal()
    person = Employee.head(who.nip) if who and who.nip else None
    return person if person is not None and person.active else None


def _not_an_employee():
    return forms.error_page(ApiError(403, "Login Anda tidak terhubung ke NIP pegawai aktif. Hubungi admin.",
                                     "Your login is not linked to an active employee's NIP. Ask an admin."))


@bp.route("")
@login_required(EMPLOYEE)
def home():
    me = _me()
    if me is None:
        return _not_an_employee()
    colleagues = [{"person": e, "relation": RELATIONS.get(rel, (rel, rel)),
                   "done": peer.rated_this_period(me.nip, e.nip)}
                  for e, rel in sorted(peer_circle.circle(me), key=lambda pair: pair[0].name)]
    settings = current_app.extensions["tanggap"].settings
    return render_template("survey/me/home.html", me=me, colleagues=colleagues, month=this_month(),
                           results_url=f"{settings.aggregator_public_url.rstrip('/')}/pegawai/{me.nip}",
                           coaching_url=f"{settings.notifier_public_url.rstrip('/')}/me/pembinaan",
                           done=sum(c["done"] for c in colleagues), min_raters=berakhlak.MIN_RATERS_FLOOR,
                           given=request.args.get("given"))


def _form_page(me: Employee, colleague: Employee, relation: str, *, values=None, errors=None, status=200,
               refused: ApiError | None = None):
    template = spec.BUILTIN_LATEST[spec.PEER_CODE]
    shown = web_form.page_errors(errors or {}, template, current_lang())
    if refused is not None:   # a refusal about the whole form (e.g. rated already): its own words, not "reload"
        shown = [web_form.PageError(None, "", t(refused.message, refused.message_en))]
    return render_template("survey/me/feedback.html", me=me, colleague=colleague,
                           relation=RELATIONS.get(relation, (relation, relation)), template=template,
                           values=values or {}, page_errors=shown,
                           field_errors={e.anchor: e.text for e in shown if e.anchor},
                           response_id=(values or {}).get("id") or str(uuid.uuid4()),
                           min_raters=berakhlak.MIN_RATERS_FLOOR), status


@bp.route("/rekan/<nip>", methods=["GET", "POST"])
@login_required(EMPLOYEE)
def feedback(nip):
    me = _me()
    if me is None:
        return _not_an_employee()
    colleague = Employee.head(nip)
    relation = peer_circle.relation(me, colleague) if colleague is not None and colleague.active else None
    if colleague is None or relation is None:
        return forms.error_page(ApiError(403, "Pegawai ini di luar lingkup kerja Anda",
                                         "This colleague is outside your circle"))
    if peer.rated_this_period(me.nip, colleague.nip) and request.method == "GET":
        return redirect(url_for("me.home", given=colleague.nip) + f"#c-{colleague.nip}")
    if request.method == "GET":
        return _form_page(me, colleague, relation)
    template = spec.BUILTIN_LATEST[spec.PEER_CODE]
    fields = {k: v for k, v in request.form.to_dict(flat=False).items() if k != "csrf_token"}
    read = web_form.read(fields, template)
    errors = dict(read.errors)
    body = {**read.body, "ratee": colleague.nip}
    try:
        data = PeerIn().load(body)
    except ValidationError as exc:
        errors.update(flatten(exc.messages))
    if errors:
        _clean, answer_errors = template.check_answers(body["answers"])
        return _form_page(me, colleague, relation, values=body, errors={**answer_errors, **errors}, status=422)
    try:
        peer.give(me, data, body)
    except ApiError as err:
        whole = err.status in (403, 409) or set(err.errors) <= {"ratee", "id"}
        return _form_page(me, colleague, relation, values=body, errors=err.errors,
                          status=err.status if err.status in (403, 409, 422) else 422, refused=err if whole else None)
    return redirect(url_for("me.home", given=colleague.nip) + f"#c-{colleague.nip}")
