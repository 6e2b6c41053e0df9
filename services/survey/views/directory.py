"""Organisation directory: units, services and employees, and register imports.

Unit and service names are public (they are printed on forms and published with results);
employee records are for admins and evaluators, supervisors (their own team) and the
employee themself.
"""
from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema

from shared.contracts.formats import code_field
from shared.platform.auth import ADMIN, EMPLOYEE, EVALUATOR, SUPERVISOR, principal, public, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict
from shared.platform.web import body_limit
from shared.records.directory import Employee, Service, Unit, is_in_team, nip_problems, team

from services.survey.directory import register_import
from services.survey.schemas import (
    EmployeeIn,
    EmployeeOut,
    ImportOut,
    ImportQuery,
    ServiceIn,
    ServiceOut,
    UnitIn,
    UnitOut,
)

blp = Blueprint("directory", __name__, url_prefix="/api/v1", description="Organisation directory")

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _ext():
    return current_app.extensions["tanggap"]


def _save(cls, key, values, by: str | None = None):
    try:
        doc, _ = cls.save_revision(key, values, at=_ext().clock.now(), by=by or principal().sub)
    except RevisionConflict as exc:
        raise ApiError(409, errors={cls.KEY: [str(exc)]}) from None
    return doc


@blp.route("/units", methods=["GET"])
@public
@blp.response(200, UnitOut(many=True))
def list_units():
    """All current units."""
    return Unit.heads()


@blp.route("/units/<code>", methods=["GET"])
@public
@blp.response(200, UnitOut)
@refuses(blp, 404, "no unit with this code")
def get_unit(code):
    unit = Unit.head(code)
    if unit is None:
        raise ApiError(404, errors={"code": ["unit tidak dikenal / unknown unit"]})
    return unit


@blp.route("/units", methods=["POST"])
@require(ADMIN)
@blp.arguments(UnitIn)
@blp.response(201, UnitOut)
@refuses(blp, 422, "an unknown parent unit, a hierarchy that would loop, or an implausible head's NIP")
@refuses(blp, 409, "changed concurrently (send it again), or closing a unit that has active surveys or kiosks")
def put_unit(data):
    """Create or update a unit (a new revision; unchanged data writes nothing)."""
    return save_unit(data, principal().sub)


def save_unit(data: dict, by: str) -> Unit:
    """A unit created or changed (shared by the API and the admin pages)."""
    data = dict(data)
    code = data.pop("code")
    if data.get("parent") and Unit.head(data["parent"]) is None:
        raise ApiError(422, errors={"parent": ["unit induk tidak dikenal / unknown parent unit"]})
    current = Unit.head(code)
    if "active" not in data or data["active"] is None:
        data["active"] = current.active if current is not None else True   # left out: as it is
    if current is not None and current.active and data["active"] is False:
        _check_can_close(code)
    if data.get("complaint_handlers") is None:
        data["complaint_handlers"] = list(current.complaint_handlers or []) if current is not None else []
    else:
        handlers = list(dict.fromkeys(data["complaint_handlers"]))
        unknown = [n for n in handlers if (e := Employee.head(n)) is None or not e.active]
        if unknown:
            raise ApiError(422, errors={"complaint_handlers": [f"pegawai tidak dikenal atau nonaktif / unknown or "
                                                               f"inactive employee: {', '.join(unknown[:5])}"]})
        data["complaint_handlers"] = handlers
    return _save(Unit, code, data, by)


def _check_can_close(code: str) -> None:
    """A unit closes only once nothing still takes responses in its name."""
    from services.survey.surveys.models import Deployment, KioskDevice
    open_surveys = sorted(d.code for d in Deployment.heads(unit=code) if d.active)
    kiosks = sorted(k.device_id for k in KioskDevice.heads(unit=code) if k.active)
    if open_surveys or kiosks:
        what = ", ".join([*open_surveys, *kiosks])
        raise ApiError(409, "Unit masih punya survei atau kios aktif", "The unit still has active surveys or kiosks",
                       errors={"active": [f"jeda atau pensiunkan dulu: {what} / pause or retire first: {what}"]})


def _open_unit(code: str, field: str = "unit") -> None:
    unit = Unit.head(code)
    if unit is None:
        raise ApiError(422, errors={field: ["unit tidak dikenal / unknown unit"]})
    if not unit.active:
        raise ApiError(422, errors={field: ["unit ini sudah tidak aktif / this unit is closed"]})


@blp.route("/units/<code>/services", methods=["GET"])
@public
@blp.response(200, ServiceOut(many=True))
@refuses(blp, 404, "no unit with this code")
def list_services(code):
    """The services (jenis layanan) a unit offers."""
    if Unit.head(code) is None:
        raise ApiError(404, errors={"code": ["unit tidak dikenal / unknown unit"]})
    return Service.heads(unit=code)


@blp.route("/services", methods=["POST"])
@require(ADMIN)
@blp.arguments(ServiceIn)
@blp.response(201, ServiceOut)
@refuses(blp, 422, "an unknown unit")
@refuses(blp, 409, "changed concurrently: send it again")
def put_service(data):
    """Create or update a service of a unit (``active: false``: no longer offered, no new
    deployments; its results stay)."""
    return save_service(data, principal().sub)


def save_service(data: dict, by: str) -> Service:
    """A service created or changed (shared by the API and the admin pages)."""
    if Service.head(Service.ref_of(data["unit"], data["code"])) is None:
        _open_unit(data["unit"])          # a closed unit takes no new service (existing ones can be edited)
    elif Unit.head(data["unit"]) is None:
        raise ApiError(422, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    return _save(Service, Service.ref_of(data["unit"], data["code"]), data, by)


class EmployeeQuery(Schema):
    unit = code_field(metadata={"description": "only this unit's employees (admins and evaluators)"})


@blp.route("/employees", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR)
@blp.arguments(EmployeeQuery, location="query")
@blp.response(200, EmployeeOut(many=True))
def list_employees(args):
    """Employees: all for admins and evaluators; a supervisor's own team for supervisors."""
    me = principal()
    if me.has(ADMIN, EVALUATOR):
        unit = args.get("unit")
        return Employee.heads(unit=unit) if unit else Employee.heads()
    return team(me.nip)


@blp.route("/employees/<nip>", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR, EMPLOYEE)
@blp.response(200, EmployeeOut)
@refuses(blp, 403, "not the caller, nor in the caller's team")
@refuses(blp, 404, "no employee with this NIP")
def get_employee(nip):
    """One employee: admins, evaluators, the employee's supervisors (any level) and the employee."""
    me = principal()
    if not (me.has(ADMIN, EVALUATOR) or me.nip == nip or (me.has(SUPERVISOR) and is_in_team(nip, me.nip))):
        raise ApiError(403, errors={"nip": ["bukan tim Anda / not in your team"]})
    person = Employee.head(nip)
    if person is None:
        raise ApiError(404, errors={"nip": ["pegawai tidak dikenal / unknown employee"]})
    return person


@blp.route("/employees", methods=["POST"])
@require(ADMIN)
@blp.arguments(EmployeeIn)
@blp.response(201, EmployeeOut)
@refuses(blp, 422, "an implausible NIP (birth date, appointment date, sex digit), an unknown unit or supervisor, "
                   "or a supervisor chain that would loop")
@refuses(blp, 409, "changed concurrently: send it again")
def put_employee(data):
    """Create or update an employee (checks the NIP, the unit, and that the supervisor chain does not loop)."""
    return save_employee(data, principal().sub)


def save_employee(data: dict, by: str) -> Employee:
    """An employee created or changed (shared by the API and the admin pages)."""
    from shared.records.directory import creates_cycle
    data = dict(data)
    nip = data.pop("nip")
    problems = nip_problems(nip)
    if problems:
        raise ApiError(422, errors={"nip": problems})
    current = Employee.head(nip)
    if current is None or current.unit != data["unit"]:
        _open_unit(data["unit"])          # nobody joins a closed unit (its people can still be edited)
    elif Unit.head(data["unit"]) is None:
        raise ApiError(422, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    sup = data.get("supervisor_nip")
    if sup:
        if sup == nip or creates_cycle(nip, sup):
            raise ApiError(422, errors={"supervisor_nip": ["rantai atasan melingkar / supervisor chain would loop"]})
        if Employee.head(sup) is None:
            raise ApiError(422, errors={"supervisor_nip": ["atasan tidak ditemukan / supervisor not found"]})
    return _save(Employee, nip, data, by)


@blp.route("/directory/import", methods=["POST"])
@body_limit(MAX_IMPORT_BYTES)  # registers are larger than API bodies
@require(ADMIN)
@blp.arguments(ImportQuery, location="query")
@blp.response(200, ImportOut)
@refuses(blp, 413, "the file is larger than 20 MB", beyond_schema=False)
@refuses(blp, 415, "neither CSV, XLSX, JSON nor a multipart upload", beyond_schema=False)
@refuses(blp, 422, "the file cannot be read (not UTF-8, no header, empty), or no row is valid")
@blp.doc(requestBody={"required": True, "content": {"text/csv": {"schema": {"type": "string"}},
                                  register_import.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                                  "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                                  "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                                     "properties": {
                                      "file": {"type": "string", "format": "binary"}}}}}})
def import_register(args):
    """Import units, services or employees from a register export (CSV, XLSX or JSON).

    Every row is checked; rows with errors are reported with their line number and skipped,
    the others are imported (or only checked with ``dry_run=true``). Importing the same file
    again changes nothing.
    """
    raw, fmt = _upload()
    try:
        rows = register_import.read(raw, fmt)
    except register_import.RegisterError as exc:
        raise ApiError(422, errors={"file": [str(exc)]}) from None
    report = register_import.import_rows(args["kind"], rows, clock=_ext().clock, by=principal().sub,
                                  dry_run=args["dry_run"])
    if not rows:
        raise ApiError(422, "Berkas tidak berisi baris", "The file has no rows", code="no_valid_rows",
                       errors={"file": ["tidak ada baris data / no data rows"]})
    if report.rejected == len(rows):
        raise ApiError(422, "Tidak ada baris yang valid", "No row is valid", code="no_valid_rows",
                       errors={f"line {e.line}.{e.field}": [e.message] for e in report.errors[:200]})
    return report.to_dict()


def _upload() -> tuple[bytes, str]:
    if request.content_length and request.content_length > MAX_IMPORT_BYTES:
        raise ApiError(413)
    if request.files or request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(422, errors={"file": ["kirim berkas di field 'file' / send the file in field 'file'"]})
        raw = upload.read(MAX_IMPORT_BYTES + 1)
        fmt = register_import.format_of(upload.filename or "", upload.mimetype or "")
    else:
        raw = request.get_data(cache=False)
        mimetype = request.mimetype or ""
        if mimetype.endswith("json"):
            fmt = "json"
        elif mimetype == register_import.XLSX_TYPE:
            fmt = "xlsx"
        elif mimetype in ("text/csv", "text/plain", "application/csv"):
            fmt = "csv"
        else:
            raise ApiError(415, errors={"Content-Type": ["gunakan text/csv, XLSX, application/json atau "
                                                         "multipart/form-data / use text/csv, XLSX, application/json "
                                                         "or multipart/form-data"]})
    if len(raw) > MAX_IMPORT_BYTES:
        raise ApiError(413)
    return raw, fmt
