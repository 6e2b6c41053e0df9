"""Admin pages for the directory's people and services (admins only, login): employees with a
search, create, edit, deactivate and their history; a unit's services (create, edit, no longer
offered, history). Forms are read by the API's schemas and saved by the API's functions."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.platform import forms
from shared.platform.auth import ADMIN
from shared.platform.errors import ApiError
from shared.platform.webauth import login_required
from shared.records.directory import Employee, Service, Unit

from services.survey.directory import import_jobs, register_import
from services.survey.schemas import EmployeeIn, ServiceIn
from services.survey.views import directory

bp = Blueprint("admin_directory", __name__, url_prefix="/admin", template_folder="../templates")

EMPLOYEE_FIELDS = ("nip", "name", "unit", "position", "email", "supervisor_nip", "lang")
SERVICE_FIELDS = ("code", "name", "name_en")
PAGE_ROWS = 200


def _matches(person: Employee, q: str) -> bool:
    return not q or q in person.nip or q in person.name.lower() or q in (person.position or "").lower()


@bp.route("/employees", methods=["GET", "POST"])
@login_required(ADMIN)
def employees():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            person = directory.save_employee(EmployeeIn().load(forms.values(EMPLOYEE_FIELDS)), forms.by())
            return redirect(url_for("admin_directory.employee", nip=person.nip, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    q = (request.args.get("q") or "").strip().lower()[:100]
    unit = request.args.get("unit") or ""
    state = request.args.get("state") if request.args.get("state") in ("active", "inactive", "all") else "active"
    everyone = Employee.heads()
    found = [p for p in everyone if (not unit or p.unit == unit) and _matches(p, q)
             and (state == "all" or p.active == (state == "active"))]
    units = Unit.heads()
    return render_template("survey/admin/employees.html", rows=found[:PAGE_ROWS], found=len(found),
                           total=len(everyone), q=q, unit=unit, state=state, units=units,
                           unit_names={u.code: u.name for u in units}, errors=errors,
                           form=request.form if errors else {}), status


@bp.route("/employees/<nip>", methods=["GET", "POST"])
@login_required(ADMIN)
def employee(nip):
    current = Employee.head(nip)
    if current is None:
        return forms.error_page(ApiError(404, "Pegawai tidak ditemukan", "Employee not found"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            # the edit form has no "active": keep it as it is (deactivating is its own button)
            data = EmployeeIn().load({**forms.values(EMPLOYEE_FIELDS[1:]), "nip": nip, "active": current.active})
            directory.save_employee(data, forms.by())
            return redirect(url_for("admin_directory.employee", nip=nip, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    return _employee_page(current, errors, status)


def _employee_page(current: Employee, errors: dict[str, str], status: int):
    supervisor = Employee.head(current.supervisor_nip) if current.supervisor_nip else None
    team = sorted(Employee.heads(supervisor_nip=current.nip), key=lambda p: p.name)
    return render_template("survey/admin/employee.html", person=current, supervisor=supervisor, team=team,
                           history=list(Employee.objects(nip=current.nip).order_by("-rev")), units=Unit.heads(),
                           errors=errors, form=request.form if errors else {},
                           saved=request.args.get("saved")), status


@bp.route("/employees/<nip>/<action>", methods=["POST"])
@login_required(ADMIN)
def employee_action(nip, action):
    """Deactivate (left the Pemda or moved away: no longer rated, listed or notified) or activate."""
    current = Employee.head(nip)
    if current is None or action not in ("deactivate", "activate"):
        return forms.error_page(ApiError(404, "Tidak ditemukan", "Not found"))
    values = {k: getattr(current, k) for k in EMPLOYEE_FIELDS}
    try:
        directory.save_employee(EmployeeIn().load({**values, "active": action == "activate"}), forms.by())
    except (ValidationError, ApiError) as exc:
        return _employee_page(current, forms.messages(exc), 422)
    return redirect(url_for("admin_directory.employee", nip=nip, saved=1))


# -- services of a unit -----------------------------------------------------------------------

@bp.route("/units/<code>/services", methods=["POST"])
@login_required(ADMIN)
def add_service(code):
    if Unit.head(code) is None:
        return forms.error_page(ApiError(404, "Unit tidak ditemukan", "Unit not found"))
    try:
        service = directory.save_service(ServiceIn().load({**forms.values(SERVICE_FIELDS), "unit": code}), forms.by())
    except (ValidationError, ApiError) as exc:
        errors = forms.messages(exc)
        return render_template("survey/admin/service.html", unit=Unit.head(code), service=None, history=[],
                               errors=errors, form=request.form), 422
    return redirect(url_for("admin_directory.service", code=code, service=service.code, saved=1))


@bp.route("/units/<code>/services/<service>", methods=["GET", "POST"])
@login_required(ADMIN)
def service(code, service):
    unit = Unit.head(code)
    current = Service.head(Service.ref_of(code, service))
    if unit is None or current is None:
        return forms.error_page(ApiError(404, "Layanan tidak ditemukan", "Service not found"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            fields = {**forms.values(SERVICE_FIELDS[1:]), "unit": code, "code": service, "active": current.active}
            directory.save_service(ServiceIn().load(fields), forms.by())
            return redirect(url_for("admin_directory.service", code=code, service=service, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    history = list(Service.objects(ref=current.ref).order_by("-rev"))
    return render_template("survey/admin/service.html", unit=unit, service=current, history=history, errors=errors,
                           form=request.form if errors else {}, saved=request.args.get("saved")), status


@bp.route("/units/<code>/services/<service>/<action>", methods=["POST"])
@login_required(ADMIN)
def service_action(code, service, action):
    """No longer offered (no new deployments; its results stay), or offered again."""
    current = Service.head(Service.ref_of(code, service))
    if current is None or action not in ("deactivate", "activate"):
        return forms.error_page(ApiError(404, "Tidak ditemukan", "Not found"))
    values = {k: getattr(current, k) for k in ("unit", "code", "name", "name_en")}
    try:
        directory.save_service(ServiceIn().load({**values, "active": action == "activate"}), forms.by())
    except (ValidationError, ApiError) as exc:
        return forms.error_page(exc if isinstance(exc, ApiError) else ApiError(422, errors=exc.messages))
    return redirect(url_for("admin_directory.service", code=code, service=service, saved=1))


# -- register import --------------------------------------------------------------------------

KIND_LABELS = {"employees": ("Pegawai", "Employees"), "units": ("Unit", "Units"), "services": ("Layanan", "Services")}


def _clock():
    return current_app.extensions["tanggap"].clock


@bp.route("/import", methods=["GET", "POST"])
@login_required(ADMIN)
def register_import_page():
    """Step 1: upload a CSV or XLSX (or JSON) register; the dry run lists every bad row."""
    errors: dict[str, str] = {}
    kind = request.form.get("kind") or request.args.get("kind") or "employees"
    if request.method == "POST":
        unknown = sorted(k for k in request.form if k not in ("kind", "csrf_token"))
        upload = request.files.get("file")
        if unknown or set(request.files) - {"file"}:
            errors["_form"] = "isian tidak dikenal / unknown field"
        elif kind not in register_import.KINDS:
            errors["kind"] = "pilih pegawai, unit atau layanan / choose employees, units or services"
        elif upload is None or not upload.filename:
            errors["file"] = "pilih berkas CSV atau XLSX / choose a CSV or XLSX file"
        else:
            raw = upload.read(directory.MAX_IMPORT_BYTES + 1)
            if len(raw) > directory.MAX_IMPORT_BYTES:
                errors["file"] = "berkas lebih dari 20 MB / the file is larger than 20 MB"
            else:
                fmt = register_import.format_of(upload.filename, upload.mimetype or "")
                try:
                    checked = import_jobs.check(raw, fmt, kind, upload.filename, by=forms.by(), clock=_clock())
                    return redirect(url_for("admin_directory.register_import_preview", uid=checked.uid))
                except register_import.RegisterError as exc:
                    errors["file"] = str(exc)
                except import_jobs.TooLarge:
                    errors["file"] = "berkas terlalu besar untuk disimpan / the file is too large to keep"
        errors = forms.messages(ApiError(422, errors={k: [v] for k, v in errors.items()}))
    recent = list(import_jobs.RegisterUpload.objects.only("uid", "kind", "filename", "rows", "by", "at")
                  .order_by("-at").limit(10))
    return render_template("survey/admin/import.html", errors=errors, kind=kind, kinds=KIND_LABELS,
                           recent=recent), (422 if errors else 200)


def _upload_or_none(uid: str):
    return import_jobs.RegisterUpload.objects(uid=uid).first() if len(uid) <= 40 else None


@bp.route("/import/<uid>", methods=["GET"])
@login_required(ADMIN)
def register_import_preview(uid):
    """Step 2: the dry run's report (every bad row with its line and reason), then import; while
    it runs, its progress; when done, what changed."""
    upload = _upload_or_none(uid)
    if upload is None:
        return forms.error_page(ApiError(404, "Unggahan tidak ditemukan", "Upload not found"))
    job = import_jobs.RegisterImportJob.objects(upload=uid).first()
    state = import_jobs.state(job, _clock().now()) if job else None
    page = current_app.make_response(render_template(
        "survey/admin/import_preview.html", upload=upload, preview=upload.preview, job=state, kinds=KIND_LABELS))
    if state and state["status"] == "running":
        page.headers["Refresh"] = "1"   # the progress bar moves without a script (and with one off)
    return page


@bp.route("/import/<uid>/run", methods=["POST"])
@login_required(ADMIN)
def register_import_run(uid):
    upload = _upload_or_none(uid)
    if upload is None:
        return forms.error_page(ApiError(404, "Unggahan tidak ditemukan", "Upload not found"))
    import_jobs.start(upload, by=forms.by(), clock=_clock())
    return redirect(url_for("admin_directory.register_import_preview", uid=uid))
