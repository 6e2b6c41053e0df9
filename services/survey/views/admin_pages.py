"""The admin console of the survey service (admins only, login): units as a tree, survey
deployments with their printable QR posters, kiosks (register with a setup QR, the fleet,
disable). Every form is read by the API's own schema and saved by the API's own function, so a
page and the API accept and refuse the same things; every change is a new revision."""
from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError

from shared.platform import forms
from shared.platform.auth import ADMIN
from shared.platform.errors import ApiError
from shared.platform.i18n import current_lang
from shared.platform.webauth import login_required
from shared.records.directory import Employee, Service, Unit
from shared.records.responses import Response as StoredResponse
from shared.records.users import WebUser

from services.survey.schemas import DeploymentIn, KioskIn, UnitIn
from services.survey.surveys import catalog, poster, qr, spec
from services.survey.surveys.models import Deployment, KioskDevice
from services.survey.views import directory, kiosks, surveys

bp = Blueprint("admin_pages", __name__, url_prefix="/admin", template_folder="../templates")


def _tree(units: list[Unit]) -> list[tuple[int, Unit]]:
    """Units depth-first under their parents, with their depth (a unit whose parent is unknown
    is shown at the top)."""
    known = {u.code for u in units}
    children: dict[str | None, list[Unit]] = {}
    for u in sorted(units, key=lambda u: u.code):
        children.setdefault(u.parent if u.parent in known else None, []).append(u)
    out: list[tuple[int, Unit]] = []
    stack = [(0, u) for u in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        depth, unit = stack.pop()
        if unit.code in seen:
            continue
        seen.add(unit.code)
        out.append((depth, unit))
        stack += [(depth + 1, c) for c in reversed(children.get(unit.code, []))]
    return out


@bp.route("")
@login_required(ADMIN)
def home():
    counts = {"units": len(Unit.heads()), "deployments": len(Deployment.heads()), "kiosks": len(KioskDevice.heads()),
              "employees": len(Employee.heads()), "templates": len(_custom_templates()),
              "users": len(WebUser.heads())}
    settings = current_app.extensions["tanggap"].settings
    base = (settings.aggregator_public_url or "").rstrip("/")
    notifier = (settings.notifier_public_url or "").rstrip("/")
    return render_template("survey/admin/home.html", counts=counts, aggregator_admin=f"{base}/admin" if base else None,
                           deliveries=f"{notifier}/deliveries" if notifier else None)


# -- units ------------------------------------------------------------------------------------

UNIT_FIELDS = ("code", "name", "name_en", "parent", "head_nip")


@bp.route("/units", methods=["GET", "POST"])
@login_required(ADMIN)
def units():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            unit = directory.save_unit(UnitIn().load(forms.values(UNIT_FIELDS)), forms.by())
            return redirect(url_for("admin_pages.unit", code=unit.code, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    return render_template("survey/admin/units.html", tree=_tree(Unit.heads()), errors=errors,
                           form=request.form if errors else {}), status


@bp.route("/units/<code>", methods=["GET", "POST"])
@login_required(ADMIN)
def unit(code):
    current = Unit.head(code)
    if current is None:
        return forms.error_page(ApiError(404, "Unit tidak ditemukan", "Unit not found"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            # the edit form has no "active": keep it (closing a unit is its own button)
            handlers = [n for n in re.split(r"[\s,;]+", forms.text("complaint_handlers") or "") if n]
            directory.save_unit(UnitIn().load({**forms.values(UNIT_FIELDS + ("complaint_handlers",)), "code": code,
                                               "active": current.active, "complaint_handlers": handlers}),
                                forms.by())
            return redirect(url_for("admin_pages.unit", code=code, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    history = list(Unit.objects(code=code).order_by("-rev"))
    head = Employee.head(current.head_nip) if current.head_nip else None
    return render_template("survey/admin/unit.html", unit=current, history=history, errors=errors,
                           form=request.form if errors else {}, units=Unit.heads(), head=head,
                           services=Service.heads(unit=code), saved=request.args.get("saved")), status


@bp.route("/units/<code>/<action>", methods=["POST"])
@login_required(ADMIN)
def unit_action(code, action):
    """Close a unit (refused while it has active surveys or kiosks) or open it again."""
    current = Unit.head(code)
    if current is None or action not in ("deactivate", "activate"):
        return forms.error_page(ApiError(404, "Unit tidak ditemukan", "Unit not found"))
    try:
        forms.values(())
        values = {k: getattr(current, k) for k in ("code", "name", "name_en", "parent", "head_nip")}
        directory.save_unit(UnitIn().load({**values, "active": action == "activate"}), forms.by())
    except ValidationError as exc:
        return forms.error_page(ApiError(422, errors={k: [v] for k, v in forms.messages(exc).items()}))
    except ApiError as err:
        return forms.error_page(err)
    return redirect(url_for("admin_pages.unit", code=code, saved=1))


# -- deployments and posters ------------------------------------------------------------------

DEPLOYMENT_FIELDS = ("template", "template_version", "unit", "service", "officer", "title")


def _deployment_rows() -> list[dict[str, Any]]:
    names = {u.code: u.name for u in Unit.heads()}
    rows = []
    for dep in sorted(Deployment.heads(), key=lambda d: (d.unit, d.service or "", d.code)):
        rows.append({**surveys.deployment_out(dep), "unit_name": names.get(dep.unit, dep.unit)})
    return rows


@bp.route("/deployments", methods=["GET", "POST"])
@login_required(ADMIN)
def deployments():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            fields = forms.values(DEPLOYMENT_FIELDS)
            if fields.get("template_version"):   # empty: always the latest version
                fields["template_version"] = forms.typed(DeploymentIn().fields["template_version"],
                                                         fields["template_version"])
            data = DeploymentIn().load({**fields, "template": request.form.get("template") or "skm"})
            dep = surveys.new_deployment(data, forms.by())
            return redirect(url_for("admin_pages.deployments", created=dep.code) + f"#dep-{dep.code}")
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    templates = [spec.BUILTIN_LATEST[spec.SKM_CODE]] + [catalog.from_document(d) for d in _custom_templates()]
    return render_template("survey/admin/deployments.html", rows=_deployment_rows(), errors=errors,
                           form=request.form if errors else {"template": request.args.get("template")},
                           units=[u for u in Unit.heads() if u.active], templates=templates,
                           services=Service.heads(), created=request.args.get("created"),
                           retired=request.args.get("retired"),
                           retired_rows=_retired_rows()), status


def _retired_rows() -> list[Deployment]:
    """Retired deployments, newest first (their history stays; they never take a response)."""
    return sorted((d for d in Deployment.heads(include_deleted=True) if d.deleted), key=lambda d: d.changed_at,
                  reverse=True)[:200]


def _custom_templates():
    from services.survey.surveys.models import SurveyTemplate
    return [d for d in SurveyTemplate.heads() if d.kind == "custom"]


@bp.route("/deployments/<code>/<action>", methods=["POST"])
@login_required(ADMIN)
def deployment_action(code, action):
    """Pause (the form closes, nothing is taken in, for a while), resume, or retire for good."""
    dep = Deployment.head(code)
    if dep is None or action not in ("pause", "resume", "retire"):
        return forms.error_page(ApiError(404, "Tidak ditemukan", "Not found"))
    if action == "retire":
        try:
            surveys.retire_deployment(code, forms.by())
        except ApiError as err:
            return forms.error_page(err)
        return redirect(url_for("admin_pages.deployments", retired=code) + "#list")
    values = {k: getattr(dep, k) for k in ("template", "template_version", "unit", "service", "officer", "title")}
    try:
        surveys.change_deployment(code, {**values, "active": action == "resume"}, forms.by())
    except ApiError as err:
        return forms.error_page(err)
    return redirect(url_for("admin_pages.deployments") + f"#dep-{code}")


@bp.route("/posters.pdf")
@login_required(ADMIN)
def posters():
    """Posters of the chosen deployments (``code``, repeated; none: every active one), A4 or A5."""
    size = request.args.get("size", "A4").upper()
    if size not in poster.SIZES:
        return forms.error_page(ApiError(422, errors={"size": ["A4 atau A5 / A4 or A5"]}))
    codes = request.args.getlist("code")
    chosen = [d for d in Deployment.heads() if (d.code in codes if codes else d.active)]
    if codes and len(chosen) != len(set(codes)):
        return forms.error_page(ApiError(404, "Survei tidak ditemukan", "Survey not found"))
    if not chosen:
        return forms.error_page(ApiError(404, "Belum ada survei aktif", "No active survey yet"))
    pemda = current_app.extensions["tanggap"].settings.pemda_name
    pages = []
    for dep in chosen:
        unit = Unit.head(dep.unit)
        service = Service.head(Service.ref_of(dep.unit, dep.service)) if dep.service else None
        officer = Employee.head(dep.officer) if dep.officer else None
        url = surveys.deployment_out(dep)["url"]
        lang = current_lang()
        pages.append(poster.PosterPage(
            pemda=pemda, unit=((unit.name_en or unit.name) if lang == "en" else unit.name) if unit else dep.unit,
            service=((service.name_en or service.name) if lang == "en" else service.name) if service else dep.title,
            officer=officer.name if officer else None, url=url, short_url=poster.short(url)))
    name = chosen[0].code if len(chosen) == 1 else "poster"
    return Response(poster.to_pdf(pages, size, current_lang()), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}-{size}.pdf"'})


# -- kiosks -----------------------------------------------------------------------------------

def _today_start() -> datetime:
    ext = current_app.extensions["tanggap"]
    zone = ZoneInfo(ext.settings.timezone)
    now = ext.clock.now().astimezone(zone)
    return datetime.combine(now.date(), time(0), tzinfo=zone)


@bp.route("/kiosks", methods=["GET", "POST"])
@login_required(ADMIN)
def kiosk_fleet():
    errors: dict[str, str] = {}
    status = 200
    registered = None
    if request.method == "POST":
        try:
            fields = forms.values(("device_id", "name", "deployment", "idle_seconds"))
            if fields.get("idle_seconds") and re.fullmatch(r"[0-9]{1,4}", fields["idle_seconds"]):
                fields["idle_seconds"] = int(fields["idle_seconds"])   # anything else: the schema refuses it
            registered = kiosks.register(KioskIn().load(fields), forms.by())
            status = 201
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    since = _today_start()
    devices = sorted(KioskDevice.heads(), key=lambda d: d.device_id)
    now = current_app.extensions["tanggap"].clock.now()
    seen, seen_complete = kiosks.last_heartbeats([d.device_id for d in devices], now)
    fleet = []
    for device in devices:
        last = seen.get(device.device_id)
        fleet.append({"device": device, "seen": last,
                      "stale": last is None or (now - last["at"]).total_seconds() > 3 * kiosks.HEARTBEAT_SECONDS,
                      "today": StoredResponse.objects(device=device.device_id, received_at__gte=since).count()})
    setup_qr = Markup(qr.svg(registered["setup_url"], scale=5).decode().split("?>", 1)[-1]) if registered else None
    page = current_app.make_response((render_template(
        "survey/admin/kiosks.html", fleet=fleet, seen_complete=seen_complete, errors=errors, registered=registered,
        setup_qr=setup_qr, form=request.form if errors else {},
        deployments=[d for d in _deployment_rows() if d["active"]]), status))
    page.headers["Cache-Control"] = "no-store"   # a registration's page holds the tablet's token
    return page


@bp.route("/kiosks/<device_id>/disable", methods=["POST"])
@login_required(ADMIN)
def kiosk_disable(device_id):
    try:
        kiosks.disable(device_id, forms.by())
    except ApiError as err:
        return forms.error_page(err)
    return redirect(url_for("admin_pages.kiosk_fleet") + f"#kiosk-{device_id}")
