"""The aggregator's admin pages through the real database and Kafka: only admins get in; a
coaching rule is added and edited, SKM weights, a population and the peer policy are set (each
a new revision, in its history, read back by the API); bad values are refused with 422 beside
their field and write nothing; the appraisal import takes XLSX and CSV, lists every bad row by
its line, records the valid ones (published to Kafka) and says what changed."""
from __future__ import annotations

import io
import re

import pytest

from shared.contracts import payloads
from shared.messaging.topics import Topics
from shared.platform.auth import issue_token
from shared.records.directory import Employee, Unit
from shared.records.users import WebUser, hash_password

from services.aggregator import indicator_policy
from services.aggregator.coaching import rule_config
from tests.aggregator.conftest import csrf
from tests.support.aggregator import nip
from tests.support.kafka_read import event_bodies, read_topic
from tests.support.spreadsheets import xlsx

pytestmark = pytest.mark.integration
PASSWORD = "rahasia-konfigurasi-2026"
PAGES = ["/admin", "/admin/rules", "/admin/rules/officer-low", "/admin/weights", "/admin/weights/*",
         "/admin/populations", "/admin/peer-policy", "/admin/appraisals"]


@pytest.fixture
def pages(fresh_settings, clock):
    from services.aggregator.app import create_app
    at = clock.now()
    Unit.save_revision("DISDUK", {"name": "Dinas Kependudukan"}, at=at, by="t")
    for n in (1, 2, 3):
        Employee.save_revision(nip(n), {"name": f"Pegawai {n}", "unit": "DISDUK"}, at=at, by="t")
    app = create_app(fresh_settings, clock)
    clients = {}
    for username, roles, who in (("admin.cfg", ["admin"], None), ("eval.cfg", ["evaluator"], None),
                                 ("atasan.cfg", ["supervisor"], nip(3))):
        WebUser.save_revision(username, {"password_hash": hash_password(PASSWORD), "roles": roles, "nip": who},
                              at=at, by="t")
        client = app.test_client()
        page = client.get("/login").text
        assert client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf(page)}).status_code == 302
        clients[roles[0]] = client
    clients["anon"] = app.test_client()
    api = {"Authorization": "Bearer " + issue_token(fresh_settings, sub="api", roles=["admin"])}
    return {"app": app, "settings": fresh_settings, "api": api, **clients}


def post(client, path: str, data: dict, **kw):
    return client.post(path, data={"csrf_token": csrf(client.get(path.split("?")[0]).text), **data}, **kw)


@pytest.mark.parametrize("path", PAGES)
def test_only_admins_open_the_configuration(pages, path):
    first = pages["anon"].get(path)
    assert first.status_code == 302 and "/login" in first.location
    assert pages["evaluator"].get(path).status_code == 403
    assert pages["supervisor"].get(path).status_code == 403
    assert pages["admin"].get(path).status_code == 200


def test_a_rule_is_added_edited_and_refused_when_bad(pages):
    admin = pages["admin"]
    bad = post(admin, "/admin/rules?kind=officer_low", {"code": "officer-low-ketat", "kind": "officer_low",
                                                        "severity": "critical", "enabled": "true",
                                                        "params.threshold": "120", "params.min_responses": "abc"})
    assert bad.status_code == 422
    assert 'data-error="params.threshold"' in bad.text and 'data-error="params.min_responses"' in bad.text
    assert rule_config.CoachingRule.head("officer-low-ketat") is None
    unknown = post(admin, "/admin/rules?kind=officer_low", {"code": "x1", "kind": "officer_low", "admin": "1"})
    assert unknown.status_code == 422 and 'data-error="_form"' in unknown.text

    ok = post(admin, "/admin/rules?kind=officer_low", {"code": "officer-low-ketat", "kind": "officer_low",
                                                       "severity": "critical", "enabled": "true",
                                                       "params.threshold": "80.5", "params.min_responses": "20"})
    assert ok.status_code == 302 and ok.location.endswith("/admin/rules/officer-low-ketat?saved=1")
    taken = post(admin, "/admin/rules?kind=officer_low", {"code": "officer-low-ketat", "kind": "officer_low"})
    assert taken.status_code == 422 and 'data-error="code"' in taken.text
    edit = post(admin, "/admin/rules/officer-low-ketat?kind=officer_low",
                {"kind": "officer_low", "severity": "warning", "enabled": "false", "params.threshold": "78"})
    assert edit.status_code == 302
    rules = {r["code"]: r for r in admin.get("/api/v1/admin/rules", headers=pages["api"]).json}
    assert rules["officer-low-ketat"]["enabled"] is False
    changed = rules["officer-low-ketat"]
    assert changed["params"]["threshold"] == 78 and changed["severity"] == "warning"
    page = admin.get("/admin/rules/officer-low-ketat").text
    assert 'data-rev="1"' in page and 'data-rev="2"' in page and "admin.cfg" in page and "WIB" in page
    assert 'data-rule="officer-low-ketat"' in admin.get("/admin/rules").text


def test_weights_population_and_peer_policy_each_a_revision(pages):
    admin, api = pages["admin"], pages["api"]
    nine = {f"weights.U{i}": "1/9" for i in range(1, 10)}
    uneven = {**nine, "weights.U1": "0.2", "weights.U2": "1/9"}
    refused = post(admin, "/admin/weights", {"scope": "DISDUK", **uneven, "reason": "Persyaratan diutamakan"})
    assert refused.status_code == 422 and indicator_policy.SkmWeights.head("DISDUK") is None   # sums above 1
    weights = {f"weights.U{i}": "0.1" for i in range(1, 10)} | {"weights.U1": "0.2"}
    no_reason = post(admin, "/admin/weights", {"scope": "DISDUK", **weights})
    assert no_reason.status_code == 422 and indicator_policy.SkmWeights.head("DISDUK") is None
    saved = post(admin, "/admin/weights", {"scope": "DISDUK", **weights, "reason": "Persyaratan diutamakan"})
    assert saved.status_code == 302
    again = post(admin, "/admin/weights/DISDUK", {**nine})
    assert again.status_code == 302
    scope_page = admin.get("/admin/weights/DISDUK").text
    assert 'data-rev="1"' in scope_page and 'data-rev="2"' in scope_page and "Persyaratan diutamakan" in scope_page
    assert indicator_policy.SkmWeights.head("DISDUK").rev == 2

    bad = post(admin, "/admin/populations", {"scope": "DISDUK", "period": "2026-13", "population": "-5"})
    assert bad.status_code == 422 and 'data-error="period"' in bad.text and 'data-error="population"' in bad.text
    assert not indicator_policy.Population.heads()
    ok = post(admin, "/admin/populations", {"scope": "DISDUK", "period": "2026-11", "population": "759"})
    assert ok.status_code == 302
    listed = admin.get("/admin/populations").text
    target = re.search(r'data-field="target">(\d+)<', listed).group(1)
    assert target == "260"   # the Krejcie-Morgan row for 800
    populations = admin.get("/api/v1/admin/populations?period=2026-11", headers=api).json
    assert [(p["scope"], p["population"]) for p in populations if p["scope"] == "DISDUK"] == [("DISDUK", 759)]

    low = post(admin, "/admin/peer-policy", {"min_raters": "2", "below": "2.5", "above": "4.2"})
    assert low.status_code == 422 and 'data-error="min_raters"' in low.text
    assert indicator_policy.PeerPolicy.head(indicator_policy.GLOBAL) is None
    ok = post(admin, "/admin/peer-policy",
              {"min_raters": "4", "below": "2.5", "above": "4.2", "failing_value": "below"})
    assert ok.status_code == 302
    policy = admin.get("/api/v1/admin/peer-policy", headers=api).json
    assert policy["min_raters"] == 4 and policy["failing_value"] == "below"
    assert 'data-rev="1"' in admin.get("/admin/peer-policy").text


def appraisal_events(settings) -> list[dict]:
    bodies = event_bodies(read_topic(settings, Topics.from_settings(settings).responses, timeout=10))
    return [b["payload"] for b in bodies if b["type"] == payloads.APPRAISAL]


def test_appraisals_import_from_xlsx_and_csv_with_bad_rows_by_line(pages):
    admin, settings = pages["admin"], pages["settings"]
    book = xlsx([["nip", "period", "hasil_kerja", "perilaku"],
                 [nip(1), "2026", "di_atas", "Sesuai"],
                 [int(nip(2)), "2026", "sesuai", None],          # a NIP typed as a number: refused, not guessed
                 [nip(9), "2026", "sesuai", None],               # not in the directory
                 [nip(3), "2026-13", "hebat", None]])
    preview = post(admin, "/admin/appraisals", {"file": (io.BytesIO(book), "skp.xlsx")},
                   content_type="multipart/form-data")
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert re.search(r'data-field="valid">1<', text) and re.search(r'data-field="bad">4<', text)
    problems = re.findall(r'<tr data-line="(\d+)"><td>\d+</td><td>(.*?)</td>', text)
    assert [line for line, _ in problems] == ["3", "4", "5", "5"]
    assert "NIP tersimpan sebagai angka" in problems[0][1] and "15 digit" in problems[0][1]
    assert "tidak dikenal" in problems[1][1] and " / " not in problems[1][1]   # one language, the reader's
    assert appraisal_events(settings) == []   # a dry run publishes nothing
    rows = re.search(r'name="rows" value="([^"]+)"', text).group(1)
    done = admin.post("/admin/appraisals/import", data={"csrf_token": csrf(text), "rows": rows})
    assert done.status_code == 200 and re.search(r'data-field="published">1<', done.text)
    assert re.search(r'data-field="new">1<', done.text) and re.search(r'data-field="skipped">4<', done.text)
    events = appraisal_events(settings)
    assert [(e["nip"], e["hasil_kerja"], e["perilaku"]) for e in events] == [(nip(1), "di_atas", "sesuai")]

    csv_text = f"nip;period;hasil_kerja\n{nip(1)};2026;sesuai\n{nip(2)};2026;di_bawah\n"
    second = post(admin, "/admin/appraisals", {"file": (io.BytesIO(csv_text.encode()), "skp.csv")},
                  content_type="multipart/form-data")
    assert second.status_code == 200 and re.search(r'data-field="valid">2<', second.text)
    nothing = post(admin, "/admin/appraisals", {"file": (io.BytesIO(b"\xff\xfe bukan teks"), "x.csv")},
                   content_type="multipart/form-data")
    assert nothing.status_code == 422 and 'data-error="file"' in nothing.text
    damaged = admin.post("/admin/appraisals/import", data={"csrf_token": csrf(second.text), "rows": "AAAA"})
    assert damaged.status_code == 422
    assert len(appraisal_events(settings)) == 1   # nothing more was published

    # the API takes the same workbook and refuses the same rows
    api = admin.post("/api/v1/appraisals/import?dry_run=true", data=book, headers=pages["api"],
                     content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert api.status_code == 422 and "NIP tersimpan sebagai angka" in api.json["errors"]["3.nip"][0]
    assert set(api.json["errors"]) >= {"3.nip", "4.nip", "5.period", "5.hasil_kerja"}
