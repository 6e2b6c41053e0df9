"""Employees, services and the register import from the admin console, through the real
database: forms are read by the API's schemas (the same refusals), every change is a revision
with its history in WIB, deactivating keeps the record; a register from XLSX is checked first
(every bad row with its line and reason, nothing written), then imported in the background
with its progress, and the result says what changed."""
from __future__ import annotations

import io
import re
import uuid

import pytest

from shared.records.directory import Employee, Service

from tests.support.spreadsheets import xlsx
from tests.support.waiting import eventually
from tests.survey import test_admin_pages
from tests.survey.conftest import nip
from tests.survey.test_admin_pages import csrf

pytestmark = pytest.mark.integration


people = test_admin_pages.people   # the logged-in clients fixture, one per role


@pytest.fixture
def admin(people):
    return people["admin"]


def test_directory_pages_are_for_admins_only(people, org):
    for path in ("/admin/employees", f"/admin/employees/{org.a}", "/admin/import",
                 f"/admin/units/{org.unit}/services/{org.service}"):
        assert people["anon"].get(path).status_code == 302
        assert people["evaluator"].get(path).status_code == 403


def test_an_employee_is_added_searched_edited_and_deactivated(admin, org):
    page = admin.get("/admin/employees").text
    person = nip(77, "19800505")
    bad = admin.post("/admin/employees", data={"csrf_token": csrf(page), "nip": person, "name": "Rina",
                                               "unit": org.unit, "supervisor_nip": person})
    assert bad.status_code == 422 and 'data-error="supervisor_nip"' in bad.text and Employee.head(person) is None
    bad = admin.post("/admin/employees", data={"csrf_token": csrf(page), "nip": person[:-1], "name": "Rina",
                                               "unit": org.unit})
    assert bad.status_code == 422 and 'data-error="nip"' in bad.text
    made = admin.post("/admin/employees", data={"csrf_token": csrf(page), "nip": person, "name": "Rina Wati",
                                                "unit": org.unit, "position": "Pengadministrasi",
                                                "supervisor_nip": org.lead, "email": "", "lang": "id"})
    assert made.status_code == 302 and Employee.head(person).supervisor_nip == org.lead
    found = admin.get(f"/admin/employees?q=rina+wati&unit={org.unit}").text
    assert f'data-nip="{person}"' in found and f'data-nip="{org.a}"' not in found

    edited = admin.post(f"/admin/employees/{person}", data={"csrf_token": csrf(page), "name": "Rina Wati",
                                                           "unit": org.unit, "position": "Analis", "lang": "en",
                                                           "supervisor_nip": ""})
    assert edited.status_code == 302
    head = Employee.head(person)
    assert (head.position, head.lang, head.supervisor_nip, head.active) == ("Analis", "en", None, True)
    admin.post(f"/admin/employees/{person}/deactivate", data={"csrf_token": csrf(page)})
    assert Employee.head(person).active is False
    assert f'data-nip="{person}"' not in admin.get(f"/admin/employees?unit={org.unit}").text
    assert f'data-nip="{person}"' in admin.get(f"/admin/employees?unit={org.unit}&state=inactive").text
    history = admin.get(f"/admin/employees/{person}").text
    assert history.count("data-rev=") == 3 and re.search(r"\d\d:\d\d WIB", history)


def test_a_service_is_added_edited_and_no_longer_offered(admin, org, tokens, survey):
    page = admin.get(f"/admin/units/{org.unit}").text
    assert 'id="add-service"' in page
    bad = admin.post(f"/admin/units/{org.unit}/services", data={"csrf_token": csrf(page), "code": "a.b", "name": "X"})
    assert bad.status_code == 422 and 'data-error="code"' in bad.text
    made = admin.post(f"/admin/units/{org.unit}/services", data={"csrf_token": csrf(page), "code": "AKTA",
                                                                "name": "Akta Kelahiran", "name_en": ""})
    assert made.status_code == 302
    admin.post(f"/admin/units/{org.unit}/services/AKTA", data={"csrf_token": csrf(page), "name": "Akta Lahir",
                                                               "name_en": "Birth certificate"})
    admin.post(f"/admin/units/{org.unit}/services/AKTA/deactivate", data={"csrf_token": csrf(page)})
    head = Service.head(Service.ref_of(org.unit, "AKTA"))
    assert (head.name, head.name_en, head.active, head.rev) == ("Akta Lahir", "Birth certificate", False, 3)
    refused = survey.post("/api/v1/deployments", json={"template": "skm", "unit": org.unit, "service": "AKTA"},
                          headers=tokens("admin"))
    assert refused.status_code == 422 and "service" in refused.json["errors"]
    listed = survey.get(f"/api/v1/units/{org.unit}/services").json
    assert {s["code"]: s["active"] for s in listed} == {"AKTA": False, "KTP": True}


def test_a_register_from_xlsx_is_checked_then_imported_with_progress(admin, org):
    tag = uuid.uuid4().hex[:4]
    good = [nip(600 + i, "19790303") for i in range(3)]
    content = xlsx([["NIP", "Nama", "Kode Unit", "Jabatan", "NIP Atasan", "Email"],
                     [good[0], f"Dewi {tag}", org.unit, "Analis", org.lead, None],
                     [good[1], f"Eko {tag}", org.unit, None, good[0], None],
                     [good[2], f"Fajar {tag}", "NO-SUCH-UNIT", None, None, None],
                     ["12345", f"Gita {tag}", org.unit, None, None, None],
                     [None, None, None, None, None, None],
                     [int(nip(640, "19790303")), f"Hana {tag}", org.unit, None, None, None],   # NIP as a number
                     [org.a, "Ani", org.unit, None, org.lead, f"{org.a}@example.go.id"]])   # already there
    page = admin.get("/admin/import").text
    unreadable = admin.post("/admin/import", data={"csrf_token": csrf(page), "kind": "employees",
                                                   "file": (io.BytesIO(b"PK\x03\x04junk"), "simpeg.xlsx")})
    assert unreadable.status_code == 422 and 'data-error="file"' in unreadable.text
    checked = admin.post("/admin/import", data={"csrf_token": csrf(page), "kind": "employees",
                                                "file": (io.BytesIO(content), "simpeg.xlsx")})
    assert checked.status_code == 302
    preview = admin.get(checked.location).text
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', preview))
    assert counts == {"rows": "6", "created": "2", "updated": "0", "unchanged": "1", "rejected": "3"}
    assert re.search(r'data-line="4" data-field="unit"', preview) and 'data-line="5" data-field="nip"' in preview
    assert 'data-line="7" data-field="nip"' in preview and "15 digit" in preview
    assert Employee.head(good[0]) is None   # the check wrote nothing

    run = admin.post(checked.location + "/run", data={"csrf_token": csrf(preview)})
    assert run.status_code == 302
    admin.post(checked.location + "/run", data={"csrf_token": csrf(preview)})   # a second click: the same job
    def finished() -> str | None:
        page = admin.get(checked.location).text
        return page if 'data-status="done"' in page else None
    done = eventually(finished, timeout=20)
    assert 'value="100"' in done
    result = dict(re.findall(r'data-count="(\w+)">(\d+)<', done))
    assert result == {"created": "2", "updated": "0", "unchanged": "1", "rejected": "3"}
    assert Employee.head(good[0]).name == f"Dewi {tag}" and Employee.head(good[1]).supervisor_nip == good[0]
    assert Employee.objects(nip=good[0]).count() == 1   # imported once
