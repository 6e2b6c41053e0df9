"""The complaint handlers' API: the tickets of one's units, one ticket with the citizen's text
and contact, and the actions on it. Who: the unit head and the unit's complaint handlers
(employees an admin marks on the unit), those an escalation told, and admins; anyone else
gets 403 for a ticket (and an empty list)."""
from __future__ import annotations

import re
from typing import cast

from flask import Blueprint as PageBlueprint
from flask import current_app, redirect, render_template, request, url_for
from flask_smorest import Blueprint
from marshmallow import ValidationError

from shared.domain import complaints
from shared.platform.auth import ADMIN, EMPLOYEE, SUPERVISOR, principal, require
from shared.platform.errors import ApiError, flatten
from shared.platform.i18n import t
from shared.platform.openapi import refuses
from shared.platform.webauth import WebPrincipal, login_required, web_principal
from shared.records.directory import Unit

from services.notifier import ticket_actions, ticket_views, tickets
from services.notifier.models import ComplaintTicket
from services.notifier.schemas import (
    TicketActionIn,
    TicketActionOut,
    TicketExportQuery,
    TicketOut,
    TicketQuery,
    TicketSummaryOut,
)

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/complaint-tickets",
                description="Pengaduan masyarakat / citizens' complaint tickets of your units")
bp = PageBlueprint("ticket_pages", __name__, template_folder="../templates")


def _ext():
    return current_app.extensions["tanggap"]


def producer():
    """The web process's Kafka producer (made once), to publish each step as it is taken."""
    ext = _ext()
    if "ticket_producer" not in ext.state:
        from shared.messaging.clients import make_producer
        ext.state["ticket_producer"] = make_producer(ext.settings, client_id="notifier-web")
    return ext.state["ticket_producer"]


def listing(who, state: str | None = None, unit: str | None = None) -> list[dict]:
    ext = _ext()
    found = tickets.visible(who)
    states = tickets.load_many(found)
    today = ticket_views.as_of(ext.clock.now(), ext.settings)
    rows = [ticket_views.summary(ext.settings, t, states[t.ticket], today) for t in found]
    return [r for r in rows if (not state or r["state"] == state) and (not unit or r["unit"] == unit)]


@blp.route("", methods=["GET"])
@require(SUPERVISOR, ADMIN, EMPLOYEE)
@blp.arguments(TicketQuery, location="query")
@blp.response(200, TicketSummaryOut(many=True))
def list_tickets(query):
    """Tickets the caller handles (admin: all), newest first, with the deadline each waits on."""
    return listing(principal(), query.get("state"), query.get("unit"))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(fmt: str, period: str | None, who):
    from flask import Response

    from services.notifier import ticket_export

    found = [t for t in tickets.visible(who) if not period or t.period == period]
    table = ticket_export.rows(_ext().settings, found, tickets.load_many(found))
    name = f"pengaduan-{period or 'semua'}"
    if fmt == "xlsx":
        return Response(ticket_export.to_xlsx(table), mimetype=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(ticket_export.to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@blp.route("/export", methods=["GET"])
@require(SUPERVISOR, ADMIN, EMPLOYEE)
@blp.arguments(TicketExportQuery, location="query")
@blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}},
                                      XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
                          "description": "the caller's tickets (admin: all) as CSV or XLSX: states, dates, the "
                                         "citizen's text and the public answer, never a contact detail (columns in "
                                         "the README)"}})
def export_tickets(query):
    """Tickets for forwarding to SP4N-LAPOR! or the Ombudsman (``format`` csv or xlsx,
    ``period`` the month received)."""
    return export_response(query.get("format", "csv"), query.get("period"), principal())


@blp.route("/<ticket>", methods=["GET"])
@require(SUPERVISOR, ADMIN, EMPLOYEE)
@blp.response(200, TicketOut)
@refuses(blp, 403, "not a ticket of the caller's units")
@refuses(blp, 404, "no such ticket")
def get_ticket(ticket):
    ext = _ext()
    doc, state = ticket_actions.get(ticket, principal())
    return ticket_views.describe(ext.settings, doc, state, ticket_views.as_of(ext.clock.now(), ext.settings))


@blp.route("/<ticket>/actions", methods=["POST"])
@require(SUPERVISOR, ADMIN, EMPLOYEE)
@blp.arguments(TicketActionIn)
@blp.response(201, TicketActionOut)
@blp.alt_response(200, schema=TicketActionOut, description="the same action by you already recorded: the ticket")
@refuses(blp, 403, "not a ticket of the caller's units")
@refuses(blp, 404, "no such ticket")
@refuses(blp, 409, "the action does not fit the ticket's state (verified or closed meanwhile)")
@refuses(blp, 422, "an unknown or closed unit to forward to, or an unknown original ticket")
def act_on_ticket(data, ticket):
    """Verify, reject, forward, record progress, answer, or mark as a duplicate. Each step is
    shown to the citizen on the tracking page (public text only; ``note`` stays internal)."""
    ext = _ext()
    who = principal()
    action = data.pop("action")
    _entry, _state, created = ticket_actions.act(ext.settings, ticket, who, ticket_views.ACTION_KINDS[action],
                                                 data, ext.clock.now(), producer())
    doc = ComplaintTicket.objects(pk=ticket).get()
    state = tickets.load(doc)
    shown = ticket_views.describe(ext.settings, doc, state, ticket_views.as_of(ext.clock.now(), ext.settings))
    if not tickets.may_handle(doc, state, who):
        # forwarded: the caller no longer handles it, so no contact, text or internal notes
        shown = {**ticket_views.summary(ext.settings, doc, state, ticket_views.as_of(ext.clock.now(), ext.settings)),
                 "history": [], "contact": None, "text": None}
    body = {"ticket": shown, "replayed": not created}
    return body, (201 if created else 200), ({} if created else {"Idempotent-Replayed": "true"})


# -- pages: the same, behind a login -------------------------------------------------------------

@bp.route("/pengaduan")
@login_required(SUPERVISOR, ADMIN, EMPLOYEE)
def tickets_page():
    state = request.args.get("state") or None
    if state not in (None, *complaints.STATES):
        state = None
    return render_template("notifier/tickets.html", rows=listing(_me(), state), state=state,
                           states=complaints.STATES, state_label=_state_label, kind_label=_kind_label)


def _me() -> WebPrincipal:
    return cast(WebPrincipal, web_principal())   # the pages are behind login_required


def _state_label(state: str) -> str:
    return t(*complaints.STATE_LABELS.get(state, (state, state)))


def _kind_label(kind: str) -> str:
    return t(*complaints.KIND_LABELS.get(kind, (kind, kind)))


def _ticket_page(ticket: str, *, errors: dict | None = None, form=None, status: int = 200):
    ext = _ext()
    try:
        doc, state = ticket_actions.get(ticket, _me())
    except ApiError as err:
        message = err.message_en if request.args.get("lang") == "en" else err.message
        return render_template("ui/error.html", status=err.status, message=message), err.status
    view = ticket_views.describe(ext.settings, doc, state, ticket_views.as_of(ext.clock.now(), ext.settings))
    units = [u for u in Unit.heads() if u.active and u.code != state.unit]
    return render_template("notifier/ticket.html", t_=view, errors=errors or {}, form=form or {}, units=units,
                           state_label=_state_label, kind_label=_kind_label,
                           entry_label=lambda k: t(*ticket_views.ENTRY_LABELS.get(k, (k, k)))), status


@bp.route("/pengaduan/unduh.<fmt>")
@login_required(SUPERVISOR, ADMIN, EMPLOYEE)
def tickets_download(fmt):
    if fmt not in ("csv", "xlsx"):
        return render_template("ui/error.html", status=404, message=t("Tidak ditemukan", "Not found")), 404
    period = request.args.get("period") or None
    if period and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        period = None
    return export_response(fmt, period, _me())


@bp.route("/pengaduan/<ticket>")
@login_required(SUPERVISOR, ADMIN, EMPLOYEE)
def ticket_page(ticket):
    return _ticket_page(ticket)


@bp.route("/pengaduan/<ticket>/tindakan", methods=["POST"])
@login_required(SUPERVISOR, ADMIN, EMPLOYEE)
def ticket_action(ticket):
    """One form per action; each posts ``action`` and the fields it needs (the API's body)."""
    ext = _ext()
    raw = {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip()}
    try:
        data = TicketActionIn().load(raw)
    except ValidationError as exc:
        return _ticket_page(ticket, errors=flatten(exc.messages), form=request.form, status=422)
    action = data.pop("action")
    try:
        ticket_actions.act(ext.settings, ticket, _me(), ticket_views.ACTION_KINDS[action], data,
                           ext.clock.now(), producer())
    except ApiError as err:
        if err.status in (409, 422):
            errors = err.errors if err.status == 422 else {"action": [t(err.message, err.message_en)]}
            return _ticket_page(ticket, errors=errors, form=request.form, status=err.status)
        message = err.message_en if request.args.get("lang") == "en" else err.message
        return render_template("ui/error.html", status=err.status, message=message), err.status
    doc = ComplaintTicket.objects(pk=ticket).get()
    if not tickets.may_handle(doc, tickets.load(doc), _me()):
        return redirect(url_for("ticket_pages.tickets_page", moved=ticket))   # forwarded: now another unit's
    return redirect(url_for("ticket_pages.ticket_page", ticket=ticket))
