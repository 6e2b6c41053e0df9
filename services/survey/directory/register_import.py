"""Importing a staff register (CSV, XLSX or JSON) into the directory.

Rows are checked one by one (errors carry the row's line number), then every valid row is
written as a revision in bulk: re-importing the same file changes nothing (upsert by NIP or
code), a supervisor chain may not loop, and a bad row never stops the good ones.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.contracts.formats import CODE_RE
from shared.platform.clock import Clock
from shared.platform.revisions import bulk_save_revisions
from shared.platform.text import MAX_DEPTH, clean_text, depth, unstorable_paths
from shared.records.directory import MAX_CHAIN, Employee, Service, Unit, nip_problems

KINDS = ("units", "services", "employees")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Column names as registers export them (Indonesian and English) -> our field names.
ALIASES = {
    "nip": "nip", "nama": "name", "name": "name", "nama_pegawai": "name",
    "unit": "unit", "kode_unit": "unit", "unit_kerja": "unit", "unit_code": "unit",
    "jabatan": "position", "position": "position",
    "email": "email", "surel": "email", "e-mail": "email",
    "nip_atasan": "supervisor_nip", "atasan_nip": "supervisor_nip", "supervisor_nip": "supervisor_nip",
    "bahasa": "lang", "lang": "lang", "language": "lang",
    "aktif": "active", "active": "active",
    "kode": "code", "code": "code", "nama_unit": "name", "nama_en": "name_en", "name_en": "name_en",
    "induk": "parent", "parent": "parent", "kode_induk": "parent",
    "nip_kepala": "head_nip", "head_nip": "head_nip", "kode_layanan": "code", "nama_layanan": "name",
}
REQUIRED = {"units": ("code", "name"), "services": ("unit", "code", "name"), "employees": ("nip", "name", "unit")}
TRUE = {"1", "true", "ya", "yes", "y", "aktif"}
FALSE = {"0", "false", "tidak", "no", "n", "nonaktif"}


_TOO_DEEP = object()


NIP_FIELDS = ("nip", "supervisor_nip", "head_nip")


class StoredAsNumber(float):
    """A NIP a spreadsheet holds as a number: a spreadsheet keeps 15 significant digits, so the
    last of a NIP's 18 may already be wrong; the row is refused, never imported with a guess."""


class RegisterError(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, no header, unknown columns)."""


@dataclass
class RowError:
    line: int
    field: str
    message: str
    key: str | None = None

    def to_dict(self) -> dict:
        return {"line": self.line, "key": self.key, "field": self.field, "message": self.message}


@dataclass
class Report:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e.line for e in self.errors})

    def to_dict(self) -> dict:
        return {"kind": self.kind, "dry_run": self.dry_run, "rows": self.rows, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected,
                "errors": [e.to_dict() for e in self.errors]}


def parse(content: str, fmt: str) -> list[tuple[int, dict]]:
    """``[(line, row)]`` with canonical field names; ``fmt`` is csv or json."""
    if fmt == "json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise RegisterError(f"bukan JSON yang valid / not valid JSON: {exc.msg} (line {exc.lineno})") from None
        except RecursionError:
            data = _TOO_DEEP
        if data is _TOO_DEEP or depth(data) > MAX_DEPTH:
            raise RegisterError(f"JSON bersarang terlalu dalam / JSON nested more than {MAX_DEPTH} levels deep")
        if isinstance(data, dict):
            data = data.get("rows", data.get("data"))
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise RegisterError("JSON harus berupa daftar objek / JSON must be a list of objects")
        bad = unstorable_paths(data, limit=1)
        if bad:
            raise RegisterError(f"baris {int(bad[0].split('.')[0]) + 1} berisi karakter yang tidak diizinkan / row "
                                f"{int(bad[0].split('.')[0]) + 1} contains characters that are not allowed")
        return [(i + 1, _canonical(row)) for i, row in enumerate(data)]
    if not clean_text(content):
        line = next(n for n, text in enumerate(content.split("\n"), 1) if not clean_text(text))
        raise RegisterError(f"baris {line} berisi karakter yang tidak diizinkan (NUL atau karakter kendali) / line "
                            f"{line} contains characters that are not allowed (NUL or control characters)")
    sample = content[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content, newline=""), dialect=dialect)
    rows = []
    try:
        if not reader.fieldnames:
            raise RegisterError("CSV tanpa baris judul / CSV has no header row")
        if not any(ALIASES.get(str(name).strip().lower().replace(" ", "_")) for name in reader.fieldnames):
            raise RegisterError("baris judul tanpa kolom yang dikenal (mis. nip, nama, kode_unit) / the header "
                                "names no known column (e.g. nip, name, unit)")
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None and isinstance(v, str)):
                continue
            rows.append((reader.line_num, _canonical(row)))
    except csv.Error as exc:
        raise RegisterError(f"CSV tidak dapat dibaca pada baris {reader.line_num} / unreadable CSV at line "
                            f"{reader.line_num}: {exc}") from None
    return rows


MAX_XLSX_ROWS = 200_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx", "json")


def format_of(filename: str, mimetype: str) -> str:
    """csv, xlsx or json, from an upload's file name (first) or content type."""
    name = filename.lower()
    if name.endswith(".xlsx") or mimetype == XLSX_TYPE:
        return "xlsx"
    if name.endswith(".json") or mimetype.endswith("json"):
        return "json"
    return "csv"


def read(raw: bytes, fmt: str) -> list[tuple[int, dict]]:
    """The rows of an uploaded register (the API and the admin page read files the same way)."""
    if fmt == "xlsx":
        return parse_xlsx(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterError("berkas harus UTF-8 (atau XLSX) / the file must be UTF-8 (or XLSX)") from None
    if not text.strip():
        raise RegisterError("berkas kosong / empty file")
    return parse(text, fmt)


def parse_xlsx(raw: bytes) -> list[tuple[int, dict]]:
    """``[(row number, row)]`` from the first sheet of an XLSX workbook (SIMPEG exports are
    spreadsheets): the first non-empty row is the header; numbers are read as text (a NIP stored
    as a number keeps its 18 digits when Excel kept them; one shown in scientific notation is
    refused by the NIP check like any other bad NIP)."""
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:   # any unreadable upload: zip, XML or openpyxl errors alike
        raise RegisterError(f"bukan berkas XLSX yang dapat dibaca / not a readable XLSX file ({type(exc).__name__})") \
            from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise RegisterError("XLSX tanpa lembar kerja / XLSX has no sheet")
        header: list[str] | None = None
        rows: list[tuple[int, dict]] = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
            if number > MAX_XLSX_ROWS:
                raise RegisterError(f"lebih dari {MAX_XLSX_ROWS} baris / more than {MAX_XLSX_ROWS} rows")
            values = [_cell(c) for c in cells]
            if header is None:
                if any(values):
                    header = [v or "" for v in values]
                    if not any(ALIASES.get(h.strip().lower().replace(" ", "_")) for h in header):
                        raise RegisterError("baris judul tanpa kolom yang dikenal (mis. nip, nama, kode_unit) / the "
                                            "header names no known column (e.g. nip, name, unit)")
                continue
            if not any(values):
                continue
            bad = next((v for v in values if v is not None and not clean_text(v)), None)
            if bad is not None:
                raise RegisterError(f"baris {number} berisi karakter yang tidak diizinkan / row {number} contains "
                                    "characters that are not allowed")
            row = _canonical(dict(zip(header, values, strict=False)))
            for name, raw_cell in zip(header, cells, strict=False):
                canonical = ALIASES.get(name.strip().lower().replace(" ", "_"))
                if canonical in NIP_FIELDS and isinstance(raw_cell, (int, float)) and not isinstance(raw_cell, bool):
                    row[canonical] = StoredAsNumber(raw_cell)
            rows.append((number, row))
        if header is None:
            raise RegisterError("XLSX tanpa baris judul / XLSX has no header row")
        return rows
    except RegisterError:
        raise
    except Exception as exc:   # a sheet whose XML openpyxl cannot read
        raise RegisterError(f"isi XLSX tidak dapat dibaca / unreadable XLSX content ({type(exc).__name__})") from None
    finally:
        book.close()


def _cell(value: object) -> str | None:
    """A spreadsheet cell as text: integers without '.0', dates as YYYY-MM-DD, empty as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[attr-defined]
    text = str(value).strip()
    return text or None


def _canonical(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if key is None:
            continue
        name = ALIASES.get(str(key).strip().lower().replace(" ", "_"))
        if name is None:
            continue
        if isinstance(value, list):  # DictReader puts surplus cells of a row under key None
            value = None
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)):
            value = str(value)
        elif isinstance(value, str):
            value = value.strip()
        out[name] = None if value == "" else value
    return out


def _check_common(kind: str, line: int, row: dict, key: str | None) -> list[RowError]:
    errors = [RowError(line, f, "NIP tersimpan sebagai angka (spreadsheet hanya menyimpan 15 digit); format kolom "
                                "sebagai Teks / NIP stored as a number (a spreadsheet keeps 15 digits); format the "
                                "column as Text", key)
              for f, v in row.items() if isinstance(v, StoredAsNumber)]
    errors += [RowError(line, f, "harus teks / must be text", key) for f, v in row.items()
               if v is not None and not isinstance(v, (str, StoredAsNumber))]
    if errors:
        return errors
    errors = [RowError(line, f, "wajib diisi / required", key) for f in REQUIRED[kind] if not row.get(f)]
    for f in ("code", "unit", "parent"):
        if row.get(f) is not None and not CODE_RE.match(str(row[f])):
            errors.append(RowError(line, f, "kode tidak valid / invalid code", key))
    for f in ("name", "name_en", "position"):
        if row.get(f) is not None and len(str(row[f])) > 200:
            errors.append(RowError(line, f, "paling banyak 200 karakter / at most 200 characters", key))
    return errors


def import_rows(kind: str, rows: list[tuple[int, dict]], *, clock: Clock, by: str, dry_run: bool,
                progress: Callable[[int, int], None] | None = None) -> Report:
    if kind not in KINDS:
        raise RegisterError(f"kind must be one of {', '.join(KINDS)}")
    report = Report(kind=kind, dry_run=dry_run, rows=len(rows))
    valid: dict[str, tuple[int, dict]] = {}
    units = Unit.heads()
    known_units = {u.code for u in units}
    # a closed unit takes nobody and no service new (as the API and the pages refuse): who is there already
    closed = {u.code for u in units if not u.active}
    already_in_closed = ({(e.nip, code) for code in closed for e in Employee.heads(unit=code)} if kind == "employees"
                         else {(s.ref, code) for code in closed for s in Service.heads(unit=code)} if kind == "services"
                         else set())

    for line, row in rows:
        key = _key(kind, row)
        errors = _check_common(kind, line, row, key)
        if any(isinstance(v, StoredAsNumber) for v in row.values()):
            report.errors += errors   # said once, and why: the digits themselves cannot be trusted
            continue
        if kind in ("employees", "services") and row.get("unit") in closed \
                and (key, row.get("unit")) not in already_in_closed:
            errors.append(RowError(line, "unit", "unit ini sudah tidak aktif / this unit is closed", key))
        if kind == "employees":
            errors += _check_employee(line, row, key, known_units)
        elif kind == "services" and row.get("unit") and row["unit"] not in known_units:
            errors.append(RowError(line, "unit", "unit tidak dikenal / unknown unit", key))
        elif kind == "units" and row.get("head_nip") and nip_problems(str(row["head_nip"])):
            errors.append(RowError(line, "head_nip", nip_problems(str(row["head_nip"]))[0], key))
        if not errors and key in valid:
            errors.append(RowError(line, _key_field(kind), f"ganda dengan baris {valid[key][0]} / duplicate of line "
                                                            f"{valid[key][0]}", key))
        if errors or key is None:  # no key: a required field is missing, reported above
            report.errors += errors
        else:
            valid[key] = (line, row)

    if kind == "employees":
        _check_supervisors(valid, report)
    if kind == "units":
        _check_parents(valid, report, known_units)

    changes = {key: _values(kind, row) for key, (line, row) in valid.items()}
    cls = {"units": Unit, "services": Service, "employees": Employee}[kind]
    result = bulk_save_revisions(cls, changes, at=clock.now(), by=by, dry_run=dry_run, progress=progress)
    for key, problem in result.invalid.items():
        report.errors.append(RowError(valid[key][0], _key_field(kind), problem, key))
    for key in result.conflicts:
        report.errors.append(RowError(valid[key][0], _key_field(kind),
                                      "diubah bersamaan oleh orang lain, impor ulang / "
                                      "changed concurrently, import again", key))
    report.created, report.updated, report.unchanged = len(result.created), len(result.updated), len(result.unchanged)
    report.errors.sort(key=lambda e: (e.line, e.field))
    return report


def _key_field(kind: str) -> str:
    return {"units": "code", "services": "code", "employees": "nip"}[kind]


def _key(kind: str, row: dict) -> str | None:
    if kind == "services":
        return Service.ref_of(row["unit"], row["code"]) if row.get("unit") and row.get("code") else None
    value = row.get(_key_field(kind))
    if isinstance(value, StoredAsNumber):
        return None   # the number's digits are not the NIP's (shown as "–", the line says which row)
    return str(value) if value is not None else None


def _check_employee(line: int, row: dict, key: str | None, known_units: set[str]) -> list[RowError]:
    errors = []
    if row.get("nip"):
        errors += [RowError(line, "nip", msg, key) for msg in nip_problems(str(row["nip"]))]
    if row.get("supervisor_nip"):
        errors += [RowError(line, "supervisor_nip", msg, key) for msg in nip_problems(str(row["supervisor_nip"]))]
        if row.get("nip") and str(row["supervisor_nip"]) == str(row["nip"]):
            errors.append(RowError(line, "supervisor_nip", "tidak boleh atasan dirinya sendiri / cannot supervise "
                                                           "oneself", key))
    if row.get("unit") and row["unit"] not in known_units:
        errors.append(RowError(line, "unit", "unit tidak dikenal / unknown unit", key))
    if row.get("email") and not EMAIL_RE.match(str(row["email"])):
        errors.append(RowError(line, "email", "alamat surel tidak valid / invalid e-mail address", key))
    if row.get("lang") and str(row["lang"]).lower() not in ("id", "en"):
        errors.append(RowError(line, "lang", "bahasa harus id atau en / language must be id or en", key))
    if row.get("active") is not None and str(row["active"]).lower() not in TRUE | FALSE:
        errors.append(RowError(line, "active", "harus ya/tidak / must be yes/no", key))
    return errors


def _check_supervisors(valid: dict[str, tuple[int, dict]], report: Report) -> None:
    """Supervisors must exist (in the directory or the file) and no chain may loop."""
    graph: dict[str, str | None] = {}
    revs: dict[str, int] = {}
    for row in Employee._get_collection().find({"superseded": False}, {"nip": 1, "supervisor_nip": 1, "rev": 1},
                                               batch_size=10000):
        if row["rev"] > revs.get(row["nip"], 0):
            revs[row["nip"]], graph[row["nip"]] = row["rev"], row.get("supervisor_nip")
    in_file = set(valid)
    for key, (line, row) in list(valid.items()):
        sup = row.get("supervisor_nip")
        if sup and sup not in graph and sup not in in_file:
            report.errors.append(RowError(line, "supervisor_nip", "atasan tidak ditemukan / supervisor not found", key))
            del valid[key]
    for key, (line, row) in list(valid.items()):
        sup = row.get("supervisor_nip")
        if _loops(key, sup, graph):
            report.errors.append(RowError(line, "supervisor_nip", "rantai atasan melingkar / supervisor chain would "
                                                                  "loop", key))
            del valid[key]
        else:
            graph[key] = sup


def _loops(nip: str, supervisor: str | None, graph: dict[str, str | None]) -> bool:
    current = supervisor
    for _ in range(MAX_CHAIN * 10):
        if current is None:
            return False
        if current == nip:
            return True
        current = graph.get(current)
    return True


def _check_parents(valid: dict[str, tuple[int, dict]], report: Report, known_units: set[str]) -> None:
    graph = {u.code: u.parent for u in Unit.heads()}
    for key, (line, row) in list(valid.items()):
        parent = row.get("parent")
        if parent and parent not in known_units and parent not in valid:
            report.errors.append(RowError(line, "parent", "unit induk tidak dikenal / unknown parent unit", key))
            del valid[key]
        elif _loops(key, parent, graph):
            report.errors.append(RowError(line, "parent", "rantai unit melingkar / unit hierarchy would loop", key))
            del valid[key]
        else:
            graph[key] = parent


def _values(kind: str, row: dict) -> dict:
    if kind == "employees":
        values = {"name": row["name"], "unit": row["unit"], "position": row.get("position"),
                  "email": row.get("email"), "supervisor_nip": row.get("supervisor_nip"),
                  "lang": (row.get("lang") or "id").lower()}
        if row.get("active") is not None:
            values["active"] = str(row["active"]).lower() in TRUE
        return values
    if kind == "services":
        return {"unit": row["unit"], "code": row["code"], "name": row["name"], "name_en": row.get("name_en")}
    return {"name": row["name"], "name_en": row.get("name_en"), "parent": row.get("parent"),
            "head_nip": row.get("head_nip")}
