"""The organisation directory through the API: who may read and write what."""
from __future__ import annotations

import pytest

from shared.records.directory import Employee

from tests.survey.conftest import nip

pytestmark = pytest.mark.integration


def test_admin_creates_units_services_and_employees(survey, tokens, org):
    admin = tokens("admin")
    assert survey.post("/api/v1/services", json={"unit": org.unit, "code": "AKTA", "name": "Akta Kelahiran"},
                       headers=admin).status_code == 201
    codes = [s["code"] for s in survey.get(f"/api/v1/units/{org.unit}/services").json]
    assert codes == ["AKTA", "KTP"]
    new = nip(7, "19900202")
    created = survey.post("/api/v1/employees", json={"nip": new, "name": "Dewi", "unit": org.unit,
                                                     "supervisor_nip": org.lead}, headers=admin)
    assert created.status_code == 201 and created.json["rev"] == 1
    again = survey.post("/api/v1/employees", json={"nip": new, "name": "Dewi", "unit": org.unit,
                                                   "supervisor_nip": org.lead}, headers=admin)
    assert again.json["rev"] == 1  # unchanged: nothing written
    moved = survey.post("/api/v1/employees", json={"nip": new, "name": "Dewi", "unit": org.other_unit},
                        headers=admin)
    assert moved.json["rev"] == 2 and Employee.head(new).unit == org.other_unit


def test_nip_must_be_plausible(survey, tokens, org):
    for bad in ("123", "19851301201001 1001".replace(" ", ""), "1985013220100110011"):
        r = survey.post("/api/v1/employees", json={"nip": bad, "name": "X", "unit": org.unit},
                        headers=tokens("admin"))
        assert r.status_code == 422 and "nip" in r.json["errors"], (bad, r.json)


def test_supervisor_chain_cannot_loop(survey, tokens, org):
    r = survey.post("/api/v1/employees", json={"nip": org.head, "name": "Kepala", "unit": org.unit,
                                               "supervisor_nip": org.a}, headers=tokens("admin"))
    assert r.status_code == 422 and "supervisor_nip" in r.json["errors"]
    assert Employee.head(org.head).supervisor_nip is None


def test_supervisor_sees_only_their_own_team(survey, tokens, org):
    lead = tokens("supervisor", nip=org.lead)
    listed = {e["nip"] for e in survey.get("/api/v1/employees", headers=lead).json}
    assert listed == {org.a, org.b}
    assert survey.get(f"/api/v1/employees/{org.a}", headers=lead).status_code == 200
    assert survey.get(f"/api/v1/employees/{org.head}", headers=lead).status_code == 403
    assert survey.get(f"/api/v1/employees/{org.outsider}", headers=lead).status_code == 403
    head = tokens("supervisor", nip=org.head)
    assert {e["nip"] for e in survey.get("/api/v1/employees", headers=head).json} == {org.lead, org.a, org.b}


def test_employee_sees_only_themself(survey, tokens, org):
    me = tokens("employee", nip=org.a)
    assert survey.get(f"/api/v1/employees/{org.a}", headers=me).status_code == 200
    assert survey.get(f"/api/v1/employees/{org.b}", headers=me).status_code == 403
    assert survey.get("/api/v1/employees", headers=me).status_code == 403


def test_unknown_records_are_404_and_bad_input_422(survey, tokens, org):
    assert survey.get("/api/v1/units/NOPE-NOPE").status_code == 404
    assert survey.get("/api/v1/units/NOPE-NOPE/services").status_code == 404
    r = survey.post("/api/v1/services", json={"unit": "NOPE-NOPE", "code": "X", "name": "X"}, headers=tokens("admin"))
    assert r.status_code == 422 and "unit" in r.json["errors"]
    r = survey.post("/api/v1/units", json={"code": "bad code!", "name": ""}, headers=tokens("admin"))
    assert r.status_code == 422 and {"code", "name"} <= set(r.json["errors"])
