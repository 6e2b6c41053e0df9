"""Importing a staff register: errors per row with line numbers, dry run, idempotent re-import."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from shared.records.directory import Employee

from tests.survey.conftest import nip

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def register_csv(rows: list[dict], header=("NIP", "Nama", "Kode_Unit", "Jabatan", "Email", "NIP_Atasan")) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get("nip", ""), r.get("name", ""), r.get("unit", ""), r.get("position", ""),
                         r.get("email", ""), r.get("supervisor", "")])
    return out.getvalue()


def post_import(survey, tokens, content, kind="employees", dry_run=False, mimetype="text/csv"):
    return survey.post(f"/api/v1/directory/import?kind={kind}&dry_run={'true' if dry_run else 'false'}",
                       data=content, content_type=mimetype, headers=tokens("admin"))


def big_register(unit: str, count: int, born: str) -> list[dict]:
    """A register with a hierarchy: one head, 50 team leads under the head, the rest under the leads."""
    nips = [f"{born}2010{(i // 1000) % 12 + 1:02d}{1 + i % 2}{i % 1000:03d}" for i in range(count)]
    rows = []
    for i, n in enumerate(nips):
        supervisor = "" if i == 0 else (nips[0] if i <= 50 else nips[1 + i % 50])
        rows.append({"nip": n, "name": f"Pegawai {i}", "unit": unit, "position": "Pelaksana",
                     "email": f"p{i}@example.go.id", "supervisor": supervisor})
    return rows


def test_five_thousand_employees_with_three_bad_rows(survey, tokens, org):
    rows = big_register(org.unit, 5000, "19780305")
    rows[1200]["nip"] = "12345"                       # not a NIP
    rows[3100]["unit"] = "NO-SUCH-UNIT"               # unknown unit
    rows[4999]["email"] = "not-an-address"            # bad e-mail
    report = post_import(survey, tokens, register_csv(rows))
    assert report.status_code == 200, report.json
    body = report.json
    assert sorted({e["line"] for e in body["errors"]}) == [1202, 3102, 5001]  # header is line 1
    assert {(e["line"], e["field"]) for e in body["errors"]} == {(1202, "nip"), (3102, "unit"), (5001, "email")}
    assert body["created"] == 4997 and body["rejected"] == 3
    assert Employee.objects(unit=org.unit, superseded=False).count() == 4 + 4997  # the org's 4 + every good row
    again = post_import(survey, tokens, register_csv(rows)).json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4997)


def test_dry_run_checks_everything_and_writes_nothing(survey, tokens, org):
    rows = big_register(org.unit, 20, "19810707")
    report = post_import(survey, tokens, register_csv(rows), dry_run=True).json
    assert report["dry_run"] is True and report["created"] == 20 and report["errors"] == []
    assert Employee.head(rows[0]["nip"]) is None


def test_changes_are_new_revisions_and_unchanged_rows_are_left_alone(survey, tokens, org):
    rows = big_register(org.unit, 10, "19830909")
    post_import(survey, tokens, register_csv(rows))
    rows[3]["position"] = "Analis"
    report = post_import(survey, tokens, register_csv(rows)).json
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 9)
    head = Employee.head(rows[3]["nip"])
    assert head.rev == 2 and head.position == "Analis"
    assert Employee.objects(nip=rows[3]["nip"], superseded=False).count() == 1


def test_supervisor_loops_and_unknown_supervisors_are_rejected(survey, tokens, org):
    a, b, c = nip(401, "19700101"), nip(402, "19700101"), nip(403, "19700101")
    rows = [{"nip": a, "name": "A", "unit": org.unit, "supervisor": b},
            {"nip": b, "name": "B", "unit": org.unit, "supervisor": a},
            {"nip": c, "name": "C", "unit": org.unit, "supervisor": nip(999, "19600101")}]
    report = post_import(survey, tokens, register_csv(rows)).json
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "supervisor_nip"), (4, "supervisor_nip")]
    assert report["created"] == 1
    # A loop through the stored directory: the head may not report to someone below them.
    report = post_import(survey, tokens, register_csv([{"nip": org.head, "name": "Kepala", "unit": org.unit,
                                                        "supervisor": org.b}]))
    assert report.status_code == 422 and "loop" in json.dumps(report.json)


def test_json_register_and_duplicates_in_one_file(survey, tokens, org):
    n = nip(501, "19750505")
    rows = [{"nip": n, "nama": "Eka", "unit": org.unit}, {"nip": n, "nama": "Eka lagi", "unit": org.unit},
            {"nip": int(nip(502, "19750505")), "nama": "Fajar", "unit": org.unit, "bahasa": "en"}]
    report = post_import(survey, tokens, json.dumps(rows), mimetype="application/json").json
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(2, "nip")]
    assert report["created"] == 2 and Employee.head(nip(502, "19750505")).lang == "en"


def test_units_and_services_registers(survey, tokens, org):
    tag = uuid.uuid4().hex[:5].upper()
    units = "kode,nama,induk\n" + f"BID-{tag},Bidang {tag},{org.unit}\nBAD UNIT,X,\n"
    report = post_import(survey, tokens, units, kind="units").json
    assert report["created"] == 1 and [(e["line"], e["field"]) for e in report["errors"]] == [(3, "code")]
    services = f"kode_unit,kode_layanan,nama_layanan\nBID-{tag},IZIN,Perizinan\nNOPE,X,Y\n"
    report = post_import(survey, tokens, services, kind="services").json
    assert report["created"] == 1 and report["errors"][0]["line"] == 3


def test_unreadable_files_are_4xx(survey, tokens, org):
    assert post_import(survey, tokens, "[not json", mimetype="application/json").status_code == 422
    assert post_import(survey, tokens, "", mimetype="text/csv").status_code == 422
    assert post_import(survey, tokens, b"\xff\xfe\x00bad", mimetype="text/csv").status_code == 422
    assert post_import(survey, tokens, "x", mimetype="application/pdf").status_code == 415
    only_bad = register_csv([{"nip": "1", "name": "x", "unit": org.unit}])
    assert post_import(survey, tokens, only_bad).status_code == 422
    r = survey.post("/api/v1/directory/import?kind=people", data="a", content_type="text/csv", headers=tokens("admin"))
    assert r.status_code == 422 and "kind" in r.json["errors"]


def test_cli_import_shows_progress_and_reports_rows(settings, org, tmp_path):
    from tests.support.env import settings_env
    rows = big_register(org.unit, 30, "19660606")
    rows[5]["nip"] = "x"
    path = tmp_path / "register.csv"
    path.write_text(register_csv(rows))
    env = {**settings_env(settings)}
    import os
    result = subprocess.run([sys.executable, "-m", "services.cli", "directory", "import", str(path), "--kind",
                             "employees"], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env},
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "line 7: nip:" in result.stderr
    assert "created 29" in result.stdout and "rejected 1" in result.stdout
    assert "employees: 30 rows" in result.stdout + result.stderr  # the progress bar's label


def test_files_with_characters_no_database_stores_are_refused(survey, tokens, org):
    assert post_import(survey, tokens, "nip,nama,unit\n1\x00,x,y\n").status_code == 422
    assert post_import(survey, tokens, '[{"nip": "\\u0000"}]', mimetype="application/json").status_code == 422
    assert post_import(survey, tokens, '[{"nama": "\\ud8eb"}]', mimetype="application/json").status_code == 422
    assert post_import(survey, tokens, 'a,b\n"x\ny\rz', mimetype="text/csv").status_code == 422


def test_xlsx_register_through_the_api(survey, tokens, org):
    from openpyxl import Workbook

    from services.survey.directory.register_import import XLSX_TYPE
    book = Workbook()
    people = [nip(700 + i, "19820808") for i in range(2)]
    book.active.append(["Kode Unit", "NIP", "Nama"])                     # columns in any order
    book.active.append([org.unit, people[0], "Sari"])
    book.active.append([org.unit, int(people[1]), "Tono"])               # an 18-digit NIP kept as a number
    out = io.BytesIO()
    book.save(out)
    body = post_import(survey, tokens, out.getvalue(), mimetype=XLSX_TYPE).json
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["errors"][0]["line"] == 3 and body["errors"][0]["field"] == "nip"
    assert Employee.head(people[0]).name == "Sari" and Employee.head(people[1]) is None
    assert post_import(survey, tokens, b"PK\x03\x04 not a workbook", mimetype=XLSX_TYPE).status_code == 422
