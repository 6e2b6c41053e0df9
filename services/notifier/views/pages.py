"""The inbox web page: list of the team's cases, one case with its history, and the forms
to acknowledge, record a coaching dialogue and resolve (login; supervisors and admins)."""
from __future__ import annotations

import re
from typing import cast

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.platform.auth import ADMIN, EMPLOYEE, SUPERVISOR
from shared.platform.errors import ApiError, flatten
from shared.platform.i18n import t
from shared.platform.webauth import WebPrincipal, login_required, web_principal

from services.notifier import inbox
from services.notifier.schemas import DialogueIn

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/notifier-static")
STATUS_LABELS = {"open": ("Baru", "New"), "acknowledged": ("Diakui", "Acknowledged"),
                 "resolved": ("Selesai", "Resolved")}

KIND_LABELS = {"acknowledged": ("diakui", "acknowledged"), "dialogue": ("dialog kinerja", "coaching dialogue"),
               "resolved": ("diselesaikan", "resolved"), "escalated": ("dieskalasi", "escalated"),
               "reminded": ("pengingat dikirim", "reminder sent"),
               "cleared": ("indikator pulih", "indicator recovered")}
SEVERITY_LABELS = {"info": ("informasi", "information"), "warning": ("perhatian", "warning"),
                   "critical": ("kritis", "critical")}


def _label(table: dict, key: str) -> str:
    return t(*table.get(key, (key, key)))


def _settings():
    return current_app.extensions["tanggap"].settings


def _now():
    return current_app.extensions["tanggap"].clock.now()


def _names(nips) -> dict[str, str]:
    from shared.records.directory import Employee
    return {e.nip: e.name for e in Employee.heads(nip__in=sorted(set(nips)))}


def _status_label(status: str) -> str:
    return t(*STATUS_LABELS.get(status, (status, status)))


def _error_page(err: ApiError):
    message = err.message_en if request.args.get("lang") == "en" else err.message
    return render_template("ui/error.html", status=err.status, message=message), err.status


@bp.route("/")
@login_required(SUPERVISOR, ADMIN)
def home():
    return redirect(url_for("pages.inbox_page"))


@bp.route("/inbox")
@login_required(SUPERVISOR, ADMIN)
def inbox_page():
    status = request.args.get("status") or None
    if status not in (None, *inbox.STATUSES):
        status = None
    rows = inbox.listing(_settings(), web_principal(), status)
    from services.notifier import appreciations
    return render_template("notifier/inbox.html", rows=rows, status=status, status_label=_status_label,
                           appreciations=appreciations.visible(cast(WebPrincipal, web_principal())),
                           names=_names)


def _case_page(case_id: str, *, errors: dict | None = None, form: dict | None = None, status: int = 200):
    try:
        case, state = inbox.get(case_id, cast(WebPrincipal, web_principal()))  # pages are behind login_required
    except ApiError as err:
        return _error_page(err)
    view = inbox.describe(_settings(), case, state)
    return render_template("notifier/case.html", case=view, errors=errors or {}, form=form or {},
                           status_label=_status_label, kind_label=lambda k: _label(KIND_LABELS, k),
                           severity_label=lambda k: _label(SEVERITY_LABELS, k)), status


@bp.route("/inbox/<case_id>")
@login_required(SUPERVISOR, ADMIN)
def case_page(case_id):
    return _case_page(case_id)


def _act(case_id: str, action):
    try:
        action()
    except ApiError as err:
        if err.status == 409:
            return _case_page(case_id, errors={"_action": [t(err.message, err.message_en)]}, status=409)
        return _error_page(err)
    return redirect(url_for("pages.case_page", case_id=case_id))


@bp.route("/inbox/<case_id>/acknowledge", methods=["POST"])
@login_required(SUPERVISOR, ADMIN)
def acknowledge(case_id):
    level = request.form.get("level")
    # ASCII digits only: "²".isdigit() is true and int("²") fails
    expected = int(level) if level and re.fullmatch(r"[0-9]{1,6}", level) else None
    return _act(case_id, lambda: inbox.acknowledge(case_id, web_principal(), _now(), expected))


@bp.route("/inbox/<case_id>/dialogue", methods=["POST"])
@login_required(SUPERVISOR, ADMIN)
def dialogue(case_id):
    raw = {"date": request.form.get("date", ""), "notes": request.form.get("notes", ""),
           "agreed_actions": [line.strip() for line in request.form.get("agreed_actions", "").splitlines()
                              if line.strip()],
           "follow_up": request.form.get("follow_up") or None}
    try:
        data = DialogueIn().load(raw)
    except ValidationError as exc:
        return _case_page(case_id, errors=flatten(exc.messages), form=request.form, status=422)
    return _act(case_id, lambda: inbox.add_dialogue(case_id, web_principal(), _now(), data))


@bp.route("/inbox/<case_id>/resolve", methods=["POST"])
@login_required(SUPERVISOR, ADMIN)
def resolve(case_id):
    notes = (request.form.get("notes") or "").strip()[:5000] or None
    return _act(case_id, lambda: inbox.resolve(case_id, web_principal(), _now(), notes))


# -- an employee's own coaching record -------------------------------------------------------------

@bp.route("/me/pembinaan")
@login_required(EMPLOYEE, SUPERVISOR)
def own_coaching():
    """The coaching cases about the logged-in person, read only (their supervisor writes them);
    supervisors too: the inbox never lists a case about oneself."""
    who = cast(WebPrincipal, web_principal())   # login_required ran first
    if not who.nip:
        return render_template("ui/error.html", status=403,
                               message=t("Login Anda tidak terhubung ke NIP pegawai. Hubungi admin.",
                                         "Your login is not linked to an employee's NIP. Ask an admin.")), 403
    from services.notifier import appreciations
    from services.notifier.models import Delivery
    # filtered here: the local MongoDB-protocol server takes no regular-expression options
    invitations = [d for d in Delivery.objects(recipient=who.nip, channel="inbox").order_by("-created_at")
                   if (d.case_id or "").startswith("training:") and not d.event.endswith("reminder")]
    return render_template("notifier/me.html", cases=inbox.own_cases(_settings(), who.nip),
                           appreciations=appreciations.own(who.nip), invitations=list(invitations),
                           status_label=_status_label, severity_label=lambda s: _label(SEVERITY_LABELS, s))


# -- the delivery log (admins) ------------------------------------------------------------------

DELIVERY_FILTERS = ("case_id", "channel", "status", "recipient", "offset")
DELIVERY_STATUS_LABELS = {"pending": ("menunggu", "pending"), "retrying": ("dicoba lagi", "retrying"),
                          "sent": ("terkirim", "sent"), "dead": ("gagal", "dead"),
                          "suppressed": ("tidak dikirim", "suppressed"), "digest": ("dalam ringkasan", "in a digest")}
PAGE_SIZE = 100


@bp.route("/deliveries")
@login_required(ADMIN)
def deliveries_page():
    """The delivery log (what was sent, retried, dead) with the API's filters, and counts per
    channel: the page of ``GET /api/v1/deliveries`` and ``/stats``."""
    from services.notifier import deliveries
    from services.notifier.models import CHANNELS, DELIVERY_STATUSES
    from services.notifier.schemas import DeliveryQuery

    given = {k: v for k, v in request.args.items() if k in DELIVERY_FILTERS and v.strip()}
    try:
        query = DeliveryQuery().load({**given, "limit": PAGE_SIZE})
    except ValidationError as exc:
        details = [f"{field}: {' '.join(msgs)}" for field, msgs in sorted(flatten(exc.messages).items())]
        return render_template("ui/error.html", status=422, message=t("Saringan tidak sah", "Invalid filter"),
                               details=details), 422
    limit, offset = query.pop("limit"), query.pop("offset")
    total, rows = deliveries.query(**query, limit=limit, offset=offset)
    return render_template("notifier/deliveries.html", rows=rows, total=total, offset=offset, limit=limit,
                           given=given, stats=deliveries.stats(), channels=CHANNELS, statuses=DELIVERY_STATUSES,
                           status_label=lambda s: _label(DELIVERY_STATUS_LABELS, s))
