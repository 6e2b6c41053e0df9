"""The indicators API for evaluation teams, its exports, admin configuration, the appraisal
import and the public endpoint, against state built by a real worker from real events."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC

import pytest
from openpyxl import load_workbook

from shared.domain import berakhlak as b
from shared.messaging.topics import Topics, ensure_topics
from shared.platform.auth import issue_token
from shared.platform.clock import ManualClock
from shared.records.directory import Employee, Unit

from tests.support.aggregator import WorkerThread, appraisal_event, lag, nip, peer_event, publish, skm_event
from tests.support.env import isolated_settings
from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
HEAD, SUP_A, SUP_B = nip(100), nip(10), nip(20)
A1, A2, B1 = nip(1), nip(2), nip(3)


@pytest.fixture(scope="module")
def world(base_settings):
    """A small organisation and a month of responses, folded by a real worker."""
    from datetime import datetime

    from shared.platform import db
    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    clock = ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    at = clock.now()
    Unit.save_revision("DISDUK", {"name": "Disdukcapil", "head_nip": HEAD}, at=at, by="test")
    Unit.save_revision("RSUD", {"name": "RSUD"}, at=at, by="test")
    people = [(HEAD, "DISDUK", None), (SUP_A, "DISDUK", HEAD), (A1, "DISDUK", SUP_A), (A2, "DISDUK", SUP_A),
              (SUP_B, "RSUD", None), (B1, "RSUD", SUP_B)]
    for who, unit, sup in people:
        Employee.save_revision(who, {"name": f"Nama {who[-4:]}", "unit": unit, "supervisor_nip": sup}, at=at, by="t")
    events = [skm_event("DISDUK", 4, officer=A1, period="2026-10") for _ in range(2)]
    events += [skm_event("DISDUK", 3, officer=A1, service="KTP"), skm_event("DISDUK", 2, officer=A2, service="KK"),
               skm_event("DISDUK", {"U1": 4, "U9": 1}, service="KTP"), skm_event("RSUD", 4, officer=B1)]
    events += [peer_event(A1, r, 4) for r in "abc"] + [peer_event(A1, "self", 1, relation="self")]
    events += [peer_event(A2, r, 2) for r in "ab"]
    events += [appraisal_event(A1, "2026-11", b.DI_ATAS)]
    publish(settings, events)
    with WorkerThread(settings, clock) as w:
        w.wait_for(len(events))
        eventually(lambda: lag(settings) == 0, timeout=30, message="offsets not committed")
    yield settings, clock
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri) as client:
        client.drop_database(settings.mongodb_db)


@pytest.fixture(autouse=True)
def _world_database(world):
    from shared.platform import db
    db.connect(world[0])


@pytest.fixture
def client(world):
    from services.aggregator.app import create_app
    return create_app(*world).test_client()


@pytest.fixture
def auth(world):
    def make(*roles, who=None):
        token = issue_token(world[0], sub=who or "-".join(roles), roles=list(roles), nip=who)
        return {"Authorization": f"Bearer {token}"}
    return make


def items(response):
    assert response.status_code == 200, response.json
    return response.json["items"]


# -- indicators -------------------------------------------------------------------------------

def test_unit_skm_for_evaluators(client, auth):
    (unit,) = items(client.get("/api/v1/indicators/units?unit=DISDUK", headers=auth("evaluator")))
    assert unit["respondents"] == 3 and unit["period"] == "2026-11"   # this month by default
    assert unit["nrr"]["U9"] == 2.0 and unit["nrr"]["U1"] == 3.0      # (3 + 2 + 1) / 3, (3 + 2 + 4) / 3
    assert unit["nrr"]["U2"] == 2.5                                    # one respondent left U2 out
    assert unit["grade"]["mutu"] in "ABCD" and len(unit["lowest_unsur"]) == 3
    everything = items(client.get("/api/v1/indicators/units?period=2026-Q4", headers=auth("admin")))
    assert {u["unit"]: u["respondents"] for u in everything} == {"DISDUK": 5, "RSUD": 1}


def test_service_skm(client, auth):
    rows = items(client.get("/api/v1/indicators/services?unit=DISDUK", headers=auth("evaluator")))
    assert {r["service"]: r["respondents"] for r in rows} == {"KTP": 2, "KK": 1}


def test_officers_with_trend(client, auth):
    rows = {r["nip"]: r for r in items(client.get("/api/v1/indicators/officers", headers=auth("evaluator")))}
    assert set(rows) == {A1, A2, B1}
    assert rows[A1]["responses"] == 1 and rows[A1]["u6"] == 3.0 and rows[A1]["index"] == 75.0
    assert rows[A1]["trend"] == {"previous": 100.0, "delta": -25.0, "direction": "down"}
    assert rows[A1]["units"] == ["DISDUK"]


def test_peer_results_are_withheld_below_three_raters(client, auth):
    rows = {r["nip"]: r for r in items(client.get("/api/v1/indicators/peer", headers=auth("evaluator")))}
    assert rows[A2] == {"nip": A2, "unit": "DISDUK", "period": "2026-Q4", "released": False, "raters": 2,
                        "min_raters": 3}
    assert rows[A1]["released"] and rows[A1]["raters"] == 3            # the self-rating is not a rater
    assert rows[A1]["values"]["BO"]["mean"] == 4.0                      # and not in the means


def test_predikat(client, auth):
    rows = {r["nip"]: r for r in items(client.get("/api/v1/indicators/predikat", headers=auth("evaluator")))}
    assert rows[A1]["hasil_kerja"] == b.DI_ATAS and rows[A1]["perilaku"] == b.SESUAI
    assert rows[A1]["predikat"] == b.BAIK and rows[A1]["label"] == "Baik"
    assert rows[A2]["predikat"] is None  # no released perilaku, no appraisal


def test_one_employee_at_a_glance(client, auth):
    body = client.get(f"/api/v1/indicators/employees/{A1}", headers=auth("supervisor", who=SUP_A)).json
    assert body["officer"]["responses"] == 1 and body["peer"]["released"] and body["predikat"]["predikat"] == b.BAIK


# -- supervisors see their own people only ------------------------------------------------------

def test_a_supervisor_sees_only_their_team(client, auth):
    mine = auth("supervisor", who=SUP_A)
    assert {r["nip"] for r in items(client.get("/api/v1/indicators/officers", headers=mine))} == {A1, A2}
    assert {r["nip"] for r in items(client.get("/api/v1/indicators/peer", headers=mine))} == {A1, A2}
    # The head of the unit is above everyone in it, at any level.
    head = auth("supervisor", who=HEAD)
    assert {r["nip"] for r in items(client.get("/api/v1/indicators/officers", headers=head))} == {A1, A2}


@pytest.mark.parametrize("path", ["/api/v1/indicators/officers?employee={nip}",
                                  "/api/v1/indicators/peer?employee={nip}",
                                  "/api/v1/indicators/predikat?employee={nip}", "/api/v1/indicators/employees/{nip}",
                                  "/api/v1/cases?employee={nip}"])
def test_a_supervisor_asking_for_someone_elses_people_gets_403(client, auth, path):
    for other in (B1, SUP_A):  # another team's employee; and oneself (not one's own team)
        r = client.get(path.format(nip=other), headers=auth("supervisor", who=SUP_A))
        assert r.status_code == 403 and r.json["code"] == "forbidden", r.json


# -- exports ------------------------------------------------------------------------------------

def test_csv_export_reads_back(client, auth):
    r = client.get("/api/v1/indicators/units?period=2026-11&format=csv", headers=auth("evaluator"))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = {row["unit"]: row for row in csv.DictReader(io.StringIO(r.data.decode()))}
    assert rows["DISDUK"]["respondents"] == "3" and rows["DISDUK"]["nrr.U9"] == "2.0"
    assert rows["RSUD"]["grade.mutu"] == "A"


def test_xlsx_export_reads_back(client, auth):
    r = client.get("/api/v1/indicators/officers?format=xlsx", headers=auth("evaluator"))
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    header, *rows = list(sheet.values)
    table = {row[header.index("nip")]: dict(zip(header, row)) for row in rows}
    assert set(table) == {A1, A2, B1}
    assert table[A1]["trend.delta"] == -25 and table[A1]["responses"] == 1


def test_bad_filters_are_422(client, auth):
    for query in ("period=2026-13", "format=pdf", "employee=123", "unit=a.b"):
        r = client.get(f"/api/v1/indicators/units?{query}", headers=auth("evaluator"))
        assert r.status_code == 422 and r.json["code"] == "validation_error", query


def test_openapi_documents_the_indicator_endpoints_and_roles(client):
    spec = client.get("/openapi.json").json
    op = spec["paths"]["/api/v1/indicators/officers"]["get"]
    assert set(op["x-roles"]) == {"admin", "evaluator", "supervisor"}
    assert "text/csv" in json.dumps(op["responses"]["200"])


# -- public endpoint ------------------------------------------------------------------------------

def test_a_semester_is_its_six_months(client, auth):
    second = client.get("/api/v1/public/units/DISDUK?period=2026-S2")
    assert second.status_code == 200 and second.json["period"] == "2026-S2"
    months = [client.get(f"/api/v1/public/units/DISDUK?period=2026-{m:02d}").json["respondents"] for m in range(7, 13)]
    assert second.json["respondents"] == sum(months) > 0
    assert client.get("/api/v1/public/units/DISDUK?period=2026-S1").json["respondents"] == 0
    year = client.get("/api/v1/public/units/DISDUK?period=2026").json       # nothing in S1: the year is S2
    assert {k: second.json[k] for k in ("respondents", "ikm", "nrr")} == {k: year[k] for k in ("respondents", "ikm",
                                                                                                "nrr")}
    bad = client.get("/api/v1/public/units/DISDUK?period=2026-S3")
    assert bad.status_code == 422 and "period" in bad.json["errors"]
    rows = items(client.get("/api/v1/indicators/units?unit=DISDUK&period=2026-S2", headers=auth("evaluator")))
    assert rows[0]["respondents"] == second.json["respondents"]
    rule = client.put("/api/v1/admin/rules/unit-ikm-semester", headers=auth("admin"),
                      json={"kind": "unit_ikm_low", "severity": "info", "params": {"period": "semester"}})
    assert rule.status_code == 200 and rule.json["params"]["period"] == "semester"
    client.put("/api/v1/admin/rules/unit-ikm-semester", headers=auth("admin"), json={"kind": "unit_ikm_low",
                                                                                     "enabled": False})


def test_public_endpoint_shows_unit_level_skm_and_nothing_individual(client):
    r = client.get("/api/v1/public/units/DISDUK?period=2026-11")
    assert r.status_code == 200 and r.json["respondents"] == 3
    text = r.data.decode()
    for who in (A1, A2, HEAD, SUP_A):
        assert who not in text
    assert "officers" not in r.json and "services" not in r.json and "Nama" not in text
    assert set(r.json) <= {"unit", "period", "respondents", "nrr", "skm", "ikm", "grade", "lowest_unsur", "weighting",
                           "sample"}


# -- admin configuration --------------------------------------------------------------------------

def test_weights_and_population_change_the_official_numbers(client, auth):
    admin = auth("admin")
    before = items(client.get("/api/v1/indicators/units?unit=DISDUK", headers=admin))[0]
    weights = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8"), 0.1) | {"U9": 0.2}
    unexplained = client.put("/api/v1/admin/weights/DISDUK", json={"weights": weights}, headers=admin)
    assert unexplained.status_code == 422 and "reason" in unexplained.json["errors"]
    reason = "Sarana dinilai dua kali karena renovasi gedung"
    r = client.put("/api/v1/admin/weights/DISDUK", json={"weights": weights, "reason": reason}, headers=admin)
    assert r.status_code == 200 and r.json["rev"] == 1 and r.json["weights"]["U1"] == "0.1"
    r = client.put("/api/v1/admin/populations/DISDUK", json={"period": "2026-11", "population": 100}, headers=admin)
    assert r.status_code == 200 and r.json["target"] == 80
    after = items(client.get("/api/v1/indicators/units?unit=DISDUK", headers=admin))[0]
    assert after["weights"] == "custom" and after["skm"] != before["skm"]
    assert after["sample"] == {"population": 100, "target": 80, "adequate": False}
    public = client.get("/api/v1/public/units/DISDUK?period=2026-11").json
    assert public["skm"] == after["skm"]  # the public figure is the official one
    disclosed = {"kind": "custom", "weights": {k: str(v) for k, v in weights.items()}, "reason": reason}
    assert public["weighting"] == after["weighting"] == disclosed
    page = client.get("/results/DISDUK?period=2026-11").text                 # the public page says so too
    assert 'data-kind="custom"' in page and reason in page and "U9 0.2" in page
    bad = client.put("/api/v1/admin/weights/DISDUK", json={"weights": {"U1": 0.5}}, headers=admin)
    assert bad.status_code == 422 and "weights" in bad.json["errors"]
    almost = client.put("/api/v1/admin/weights/DISDUK", json={"weights": dict.fromkeys(weights, 1 / 9)},
                        headers=admin)
    assert almost.status_code == 422 and "exactly" in str(almost.json["errors"]["weights"])   # 9 x 0.1111... != 1
    equal = client.put("/api/v1/admin/weights/DISDUK", json={"weights": dict.fromkeys(weights, "1/9")}, headers=admin)
    assert equal.status_code == 200
    assert items(client.get("/api/v1/indicators/units?unit=DISDUK", headers=admin))[0]["weighting"] == {"kind": "equal"}
    assert 'data-kind="equal"' in client.get("/results/DISDUK?period=2026-11").text


def test_peer_threshold_is_configurable_but_never_below_three(client, auth):
    admin = auth("admin")
    low = client.put("/api/v1/admin/peer-policy", json={"min_raters": 2, "below": 3, "above": 4.2}, headers=admin)
    assert low.status_code == 422 and "min_raters" in low.json["errors"]
    assert client.put("/api/v1/admin/peer-policy", json={"min_raters": 4, "below": 3, "above": 4.2},
                      headers=admin).status_code == 200
    try:
        rows = {r["nip"]: r for r in items(client.get("/api/v1/indicators/peer", headers=admin))}
        assert rows[A1] == {"nip": A1, "unit": "DISDUK", "period": "2026-Q4", "released": False, "raters": 3,
                            "min_raters": 4}
        client.put("/api/v1/admin/peer-policy", json={"min_raters": 3, "below": 4.5, "above": 4.8}, headers=admin)
        rows = {r["nip"]: r for r in items(client.get("/api/v1/indicators/peer", headers=admin))}
        assert rows[A1]["perilaku"] == b.DI_BAWAH  # mean 4.0 is now below expectations
    finally:
        client.put("/api/v1/admin/peer-policy", json={"min_raters": 3, "below": 3.0, "above": 4.2}, headers=admin)


def test_coaching_rules_are_data_an_admin_edits(client, auth):
    admin = auth("admin")
    rules = {r["code"]: r for r in client.get("/api/v1/admin/rules", headers=admin).json}
    assert rules["officer-low"]["params"] == {"threshold": 76.61, "min_responses": 10, "min_clients": 5,
                                              "window_months": 3}
    bad = client.put("/api/v1/admin/rules/officer-low", json={"kind": "officer_low", "params": {"threshold": 500}},
                     headers=admin)
    assert bad.status_code == 422 and "params.threshold" in bad.json["errors"], bad.json
    ok = client.put("/api/v1/admin/rules/officer-low-strict",
                    json={"kind": "officer_low", "severity": "critical", "params": {"threshold": 80}}, headers=admin)
    assert ok.status_code == 200 and ok.json["params"]["threshold"] == 80
    off = client.put("/api/v1/admin/rules/officer-low-strict", json={"kind": "officer_low", "enabled": False},
                     headers=admin)
    assert off.status_code == 200
    listed = {r["code"]: r for r in client.get("/api/v1/admin/rules", headers=admin).json}
    assert listed["officer-low-strict"]["enabled"] is False


# -- appraisal import -----------------------------------------------------------------------------

def appraisal_events(settings):
    return [json.loads(r.value) for r in read_topic(settings, Topics.from_settings(settings).responses)
            if json.loads(r.value)["type"] == "appraisal.recorded"]


def test_csv_import_dry_run_then_publish(world, client, auth):
    settings = world[0]
    before = len(appraisal_events(settings))
    body = f"nip,period,hasil_kerja\n{A2},2026,Di Bawah Ekspektasi\n{B1},2026,sesuai\n"
    dry = client.post("/api/v1/appraisals/import?dry_run=true", data=body, content_type="text/csv",
                      headers=auth("evaluator"))
    assert dry.status_code == 200 and dry.json["dry_run"] and dry.json["rows"] == 2 and dry.json["published"] == 0
    assert len(appraisal_events(settings)) == before
    real = client.post("/api/v1/appraisals/import", data={"file": (io.BytesIO(body.encode()), "skp.csv")},
                       content_type="multipart/form-data", headers=auth("admin"))
    assert real.status_code == 200 and real.json["published"] == 2
    new = appraisal_events(settings)[before:]
    assert {(e["key"], e["payload"]["hasil_kerja"], e["payload"]["unit"]) for e in new} == {
        (A2, "di_bawah", "DISDUK"), (B1, "sesuai", "RSUD")}
    assert "Nama" not in json.dumps(new)  # NIPs only, no names


def test_an_invalid_row_refuses_the_whole_file_with_line_numbers(world, client, auth):
    before = len(appraisal_events(world[0]))
    body = f"nip,period,hasil_kerja\n{A2},2026,sesuai\n{nip(77)},2026,sesuai\n{A1},20x6,sesuai\n"
    r = client.post("/api/v1/appraisals/import", data=body, content_type="text/csv", headers=auth("admin"))
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"3.nip", "4.period"} and "unknown employee" in r.json["errors"]["3.nip"][0]
    assert len(appraisal_events(world[0])) == before


def test_json_import(world, client, auth):
    r = client.post("/api/v1/appraisals", json={"items": [{"nip": A1, "period": "2026-Q4", "hasil_kerja": "di_atas"}]},
                    headers=auth("evaluator"))
    assert r.status_code == 200 and r.json["published"] == 1
    bad = client.post("/api/v1/appraisals", json={"items": [{"nip": A1, "period": "2026", "hasil_kerja": "great"}]},
                      headers=auth("evaluator"))
    assert bad.status_code == 422 and "1.hasil_kerja" in bad.json["errors"]


def test_import_answers_503_when_kafka_is_down(world):
    from services.aggregator.app import create_app
    settings, clock = world
    broken = replace(settings, kafka_bootstrap_servers="127.0.0.1:1")
    client = create_app(broken, clock).test_client()
    token = issue_token(broken, sub="ev", roles=["evaluator"])
    r = client.post("/api/v1/appraisals", json={"items": [{"nip": A1, "period": "2026", "hasil_kerja": "sesuai"}]},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503 and r.json["code"] == "unavailable" and r.json["published"] == 0


# -- cases ----------------------------------------------------------------------------------------

def test_cases_list_is_scoped_for_supervisors(client, auth):
    all_cases = client.get("/api/v1/cases", headers=auth("evaluator"))
    assert all_cases.status_code == 200
    mine = client.get("/api/v1/cases", headers=auth("supervisor", who=SUP_B)).json
    assert all(c["subject"] == B1 for c in mine)
    # A2's peer result is withheld (2 raters): no behaviour case can exist for them.
    assert not [c for c in all_cases.json if c["subject"] == A2 and c["rule"] == "berakhlak-below"]
