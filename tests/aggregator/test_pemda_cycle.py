"""The Pemda's SKM cycle through the real servers: two OPD with sub-units whose roll-up equals a
recomputation from the responses, the ranking with an OPD under its sample target, the public
page and the dashboard showing it; the follow-up plans (RTL) and the report that carries them."""
from __future__ import annotations

import random
from datetime import UTC, datetime
from fractions import Fraction

import pytest

from shared.domain import skm
from shared.messaging.topics import ensure_topics
from shared.platform.auth import issue_token
from shared.platform.clock import ManualClock

from tests.support.aggregator import WorkerThread, lag, nip, publish, skm_event
from tests.support.env import isolated_settings
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

# code -> (parent, name); two OPD (DINKES with puskesmas below it, DISDUK with a counter) and one
# OPD nobody answered for
UNITS = {"DINKES": (None, "Dinas Kesehatan"), "PKM-A": ("DINKES", "Puskesmas Andir"),
         "PKM-A1": ("PKM-A", "Pustu Andir Hilir"), "PKM-B": ("DINKES", "Puskesmas Bojong"),
         "DISDUK": (None, "Dinas Kependudukan"), "DISDUK-KEC": ("DISDUK", "Loket Kecamatan"),
         "BAPPEDA": (None, "Bappeda")}
HEADS = {"DINKES": nip(701), "DISDUK": nip(702)}   # the head of DINKES also leads its puskesmas
RESPONDENTS = {"DINKES": 6, "PKM-A": 9, "PKM-A1": 4, "PKM-B": 5, "DISDUK": 7, "DISDUK-KEC": 3}


def answers(rng: random.Random, unit: str) -> dict[str, int]:
    """Answers of one citizen; DISDUK's are better, and some unsur are left unanswered."""
    low = 3 if unit.startswith("DISDUK") else 1
    return {c: rng.randint(low, 4) for c in skm.UNSUR_CODES if rng.random() > 0.1}


@pytest.fixture(scope="module")
def world(base_settings):
    from shared.platform import db
    from shared.records.directory import Unit

    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    clock = ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    for code, (parent, name) in UNITS.items():
        Unit.save_revision(code, {"name": name, "parent": parent, "head_nip": HEADS.get(code)}, at=clock.now(),
                           by="test")
    rng = random.Random(20)
    given: dict[str, list[dict[str, int]]] = {}
    events = []
    for code, n in RESPONDENTS.items():
        for _ in range(n):
            a = answers(rng, code)
            given.setdefault(code, []).append(a)
            events.append(skm_event(code, a))
    events += [skm_event("DINKES", 1, period="2026-10") for _ in range(3)]   # another month: not pooled
    publish(settings, events)
    with WorkerThread(settings, clock) as w:
        w.wait_for(len(events))
        eventually(lambda: lag(settings) == 0, timeout=30, message="offsets not committed")
    yield settings, clock, given
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri) as client:
        client.drop_database(settings.mongodb_db)


@pytest.fixture(autouse=True)
def _world_database(world):
    from shared.platform import db
    db.connect(world[0])


@pytest.fixture
def app(world):
    from services.aggregator.app import create_app
    return create_app(world[0], world[1])


@pytest.fixture
def admin(world):
    return {"Authorization": f"Bearer {issue_token(world[0], sub='admin', roles=['admin'])}"}


def recompute(given: list[dict[str, int]]) -> dict:
    """NRR and IKM of pooled answers, from scratch: sum and count per unsur, equal weights."""
    nrr = {}
    for code in skm.UNSUR_CODES:
        values = [a[code] for a in given if code in a]
        nrr[code] = Fraction(sum(values), len(values)) if values else None
    present = [v for v in nrr.values() if v is not None]
    return {"respondents": len(given), "nrr": {c: float(skm.half_up(v, 4)) if v is not None else None
                                               for c, v in nrr.items()},
            "ikm": float(skm.half_up(sum(present, Fraction(0)) / len(present) * 25, 2))}


def exact_ikm(given: list[dict[str, int]]) -> Fraction:
    nrr = [Fraction(sum(a[c] for a in given if c in a), n) for c in skm.UNSUR_CODES
           if (n := sum(1 for a in given if c in a))]
    return sum(nrr, Fraction(0)) / len(nrr) * 25


def test_the_rollup_equals_a_recomputation_from_the_responses(app, world):
    _, _, given = world
    body = app.test_client().get("/api/v1/public/rollup?period=2026-11").json
    opd = {r["unit"]: r for r in body["opd"]}
    assert set(opd) == {"DINKES", "DISDUK", "BAPPEDA"}
    members = {"DINKES": ["DINKES", "PKM-A", "PKM-A1", "PKM-B"], "DISDUK": ["DISDUK", "DISDUK-KEC"]}
    for top, codes in members.items():
        pooled = [a for c in codes for a in given[c]]
        expected = recompute(pooled)
        assert {k: opd[top][k] for k in expected} == expected, top
        mean = sum((exact_ikm(given[c]) for c in codes), Fraction(0)) / len(codes)
        assert opd[top]["ikm_units_mean"] == float(skm.half_up(mean, 2))
        assert [n["unit"] for n in opd[top]["tree"]] == codes
    everyone = [a for c in given for a in given[c]]
    assert {k: body["pemda"][k] for k in ("respondents", "nrr", "ikm")} == recompute(everyone)
    assert body["pemda"]["opd"] == 3 and opd["BAPPEDA"]["rank"] is None and opd["BAPPEDA"]["respondents"] == 0
    assert opd["DINKES"]["name"] == "Dinas Kesehatan"
    units = {r["unit"]: r for r in body["units"]}
    assert units["PKM-A1"]["opd"] == "DINKES" and units["PKM-A1"]["parent"] == "PKM-A"
    assert units["PKM-A1"]["ikm"] == recompute(given["PKM-A1"])["ikm"]
    # unit-level figures only: no officer, service, comment or profile field anywhere
    text = str(body)
    assert "officer" not in text and "service" not in text and "profile" not in text


def test_an_opd_under_its_sample_target_is_marked_and_ranked_after(app, world, admin):
    client = app.test_client()
    before = {r["unit"]: r for r in client.get("/api/v1/public/rollup?period=2026-11").json["opd"]}
    assert before["DISDUK"]["ikm"] > before["DINKES"]["ikm"] and before["DISDUK"]["rank"] == 1
    for scope, population in (("DISDUK", 150), ("DISDUK-KEC", 50), ("PKM-A", 15)):
        r = client.put(f"/api/v1/admin/populations/{scope}", json={"period": "2026-11", "population": population},
                       headers=admin)
        assert r.status_code == 200, r.json
    body = client.get("/api/v1/public/rollup?period=2026-11").json
    ranked = [(r["unit"], r["rank"], r["under_target"]) for r in body["opd"]]
    assert ranked == [("DINKES", 1, False), ("DISDUK", 2, True), ("BAPPEDA", None, False)]
    disduk = body["opd"][1]
    assert disduk["sample"] == {"population": 200, "population_units": 2, "target": 132, "adequate": False}
    assert body["opd"][0]["sample"] == {"population": 15, "population_units": 1, "target": 14, "adequate": True}
    # units too: each under its own target (PKM-A: 9 of 14) ranks after every other unit
    units = [r for r in body["units"] if r["rank"] is not None]
    assert {r["unit"] for r in units[-3:]} == {r["unit"] for r in units if r["under_target"]} \
        == {"DISDUK", "DISDUK-KEC", "PKM-A"}
    # the public page and the dashboard show the same ranking and the tree
    page = client.get("/results/pemda?period=2026-11").text
    assert page.index('data-opd="DINKES"') < page.index('data-opd="DISDUK"')
    assert 'class="under-target"' in page and 'data-unit="PKM-A1"' in page and "Pustu Andir Hilir" in page
    assert client.get("/results/pemda?period=bulan-lalu").status_code == 422
    assert client.get("/api/v1/public/rollup?period=2026-13").status_code == 422


def test_the_dashboard_shows_the_ranking_to_evaluators_only(app, world):
    from shared.records.users import WebUser, hash_password

    from tests.aggregator.conftest import PASSWORD, log_in
    _, clock, _ = world
    WebUser.save_revision("tim.eval.pemda", {"password_hash": hash_password(PASSWORD), "roles": ["evaluator"]},
                          at=clock.now(), by="test")
    client = app.test_client()
    assert client.get("/dashboard?period=2026-11").status_code in (302, 401)
    assert log_in(client, "tim.eval.pemda").status_code == 302
    page = client.get("/dashboard?period=2026-11").text
    assert 'id="rollup"' in page and 'data-opd="DINKES"' in page and 'data-field="pemda-ikm"' in page


# -- rencana tindak lanjut ----------------------------------------------------------------------

def token(world, *roles, who=None):
    return {"Authorization": f"Bearer {issue_token(world[0], sub=who or roles[0], roles=list(roles), nip=who)}"}


PLAN = {"unit": "DINKES", "period": "2026-10", "kegiatan": "Menyederhanakan persyaratan rujukan",
        "unsur": ["U1", "U2"], "waktu": "November 2026", "penanggung_jawab": "Kepala Seksi Pelayanan"}


def test_only_the_unit_head_or_an_admin_records_an_action(app, world, admin):
    client = app.test_client()
    assert client.post("/api/v1/action-plans", json=PLAN).status_code == 401
    assert client.post("/api/v1/action-plans", json=PLAN, headers=token(world, "evaluator")).status_code == 403
    other_head = token(world, "supervisor", who=HEADS["DISDUK"])
    r = client.post("/api/v1/action-plans", json=PLAN, headers=other_head)
    assert r.status_code == 403 and "unit" in r.json["errors"]
    for bad in ({"unsur": ["U10"]}, {"evidence_url": "javascript:alert(1)"}, {"kegiatan": ""},
                {"evidence_url": "file:///etc/passwd"}, {"unsur": ["U1", "U1"]}, {"period": "2026-13"}):
        r = client.post("/api/v1/action-plans", json={**PLAN, **bad}, headers=admin)
        assert r.status_code == 422 and {k.split(".")[0] for k in r.json["errors"]} & set(bad), (bad, r.json)
    head_of_sub_unit = client.post("/api/v1/action-plans", json={**PLAN, "unit": "PKM-A1", "unsur": ["U9"]},
                                   headers=token(world, "supervisor", who=HEADS["DINKES"]))
    assert head_of_sub_unit.status_code == 201   # heads a unit above it


def test_an_action_is_revised_and_shown_in_the_next_periods_report_and_pages(app, world, admin):
    client = app.test_client()
    head = token(world, "supervisor", who=HEADS["DINKES"])
    created = client.post("/api/v1/action-plans", json=PLAN, headers=head)
    assert created.status_code == 201, created.json
    item = created.json["item"]
    assert created.json["rev"] == 1 and created.json["status"] == "rencana"
    change = {k: v for k, v in PLAN.items() if k not in ("unit", "period")}
    done = {**change, "status": "selesai", "evidence_note": "SOP baru ditetapkan",
            "evidence_url": "https://dinkes.example.go.id/sop-rujukan.pdf"}
    r = client.put(f"/api/v1/action-plans/{item}", json={**done, "rev": 1}, headers=head)
    assert r.status_code == 200 and r.json["rev"] == 2 and r.json["status"] == "selesai"
    stale = client.put(f"/api/v1/action-plans/{item}", json={**change, "rev": 1}, headers=admin)
    assert stale.status_code == 409 and "rev" in stale.json["errors"]
    history = client.get(f"/api/v1/action-plans/{item}/revisions", headers=token(world, "evaluator")).json
    assert [(h["rev"], h["status"]) for h in history] == [(1, "rencana"), (2, "selesai")]
    # the next period's report compares the unsur the plan addressed, before and after
    report = client.get("/api/v1/reports/skm/DINKES?period=2026-11", headers=token(world, "evaluator")).json
    followup = report["followup"]
    assert followup["period"] == "2026-10" and [p["item"] for p in followup["plans"]] == [item]
    before = client.get("/api/v1/indicators/units?unit=DINKES&period=2026-10", headers=admin).json["items"][0]
    after = client.get("/api/v1/indicators/units?unit=DINKES&period=2026-11", headers=admin).json["items"][0]
    assert [(c["unsur"], c["before"], c["after"]) for c in followup["comparison"]] == \
        [(u, before["nrr"][u], after["nrr"][u]) for u in ("U1", "U2")]
    assert all(c["direction"] == "up" for c in followup["comparison"])     # from all 1s in October
    october = client.get("/api/v1/reports/skm/DINKES?period=2026-10", headers=admin).json
    assert [p["item"] for p in october["plans"]] == [item]
    # the public page shows the plan of the period, without who wrote it
    page = client.get("/results/DINKES?period=2026-10").text
    assert "Menyederhanakan persyaratan rujukan" in page and 'data-value="selesai"' not in page
    assert "Selesai" in page and "sop-rujukan.pdf" in page and "supervisor" not in page
    public = client.get("/api/v1/public/units/DINKES/action-plans?period=2026-10").json
    assert public[0]["kegiatan"] == PLAN["kegiatan"] and "changed_by" not in public[0]


def test_the_plan_page_adds_and_changes_actions_for_the_head_and_only_shows_them_to_evaluators(app, world):
    from shared.records.users import WebUser, hash_password

    from tests.aggregator.conftest import PASSWORD, csrf, log_in
    _, clock, _ = world
    for username, roles, who in (("kadis.disduk", ["supervisor"], HEADS["DISDUK"]),
                                 ("eval.rtl", ["evaluator"], None)):
        WebUser.save_revision(username, {"password_hash": hash_password(PASSWORD), "roles": roles, "nip": who},
                              at=clock.now(), by="test")
    client = app.test_client()
    assert client.get("/rtl/DISDUK?period=2026-11").status_code == 302       # to the login page
    assert log_in(client, "kadis.disduk").status_code == 302
    page = client.get("/rtl/DISDUK?period=2026-11").text
    assert 'id="tambah"' in page and "data-lowest=" in page
    form = {"csrf_token": csrf(page), "kegiatan": "Menambah kursi ruang tunggu", "unsur": ["U9"],
            "waktu": "Desember 2026", "penanggung_jawab": "Sekretaris", "status": "rencana", "evidence_url": "ftp://x"}
    bad = client.post("/rtl/DISDUK?period=2026-11", data=form)
    assert bad.status_code == 422 and 'data-error="evidence_url"' in bad.text
    assert client.post("/rtl/DISDUK?period=2026-11", data={**form, "evidence_url": ""}).status_code == 302
    page = client.get("/rtl/DISDUK?period=2026-11").text
    assert "Menambah kursi ruang tunggu" in page and "revisi 1" in page
    item = page.split('data-item="')[1].split('"')[0]
    r = client.post("/rtl/DISDUK?period=2026-11", data={**form, "evidence_url": "", "item": item, "rev": "1",
                                                         "status": "berjalan"})
    assert r.status_code == 302 and "revisi 2" in client.get("/rtl/DISDUK?period=2026-11").text
    assert client.post("/rtl/DISDUK?period=2026-11", data={**form, "evidence_url": ""}, headers={}) \
        .status_code == 302
    assert client.get("/rtl/DINKES?period=2026-11").text.count('id="tambah"') == 0   # not their unit
    evaluator = app.test_client()
    assert log_in(evaluator, "eval.rtl").status_code == 302
    seen = evaluator.get("/rtl/DISDUK?period=2026-11").text
    assert "Menambah kursi ruang tunggu" in seen and 'id="tambah"' not in seen
    no_csrf = evaluator.post("/rtl/DISDUK?period=2026-11", data={k: v for k, v in form.items() if k != "csrf_token"})
    assert no_csrf.status_code == 400
    dashboard = evaluator.get("/dashboard?period=2026-11").text
    assert 'id="plans"' in dashboard and "Menambah kursi ruang tunggu" in dashboard


# -- the report as units publish it ---------------------------------------------------------------

@pytest.fixture
def kop_app(world, tmp_path):
    """The aggregator with a configured Pemda name and logo (a small PNG drawn here)."""
    import dataclasses

    from PIL import Image, ImageDraw

    from services.aggregator.app import create_app
    logo = tmp_path / "logo.png"
    image = Image.new("RGB", (120, 140), "white")
    ImageDraw.Draw(image).polygon([(60, 5), (115, 40), (100, 130), (20, 130), (5, 40)], fill="#0b5394")
    image.save(logo)
    settings = dataclasses.replace(world[0], pemda_name="Pemerintah Kabupaten Andir", pemda_logo=str(logo))
    return create_app(settings, world[1])


def pdf_pages(data: bytes, artifacts, stem: str) -> str:
    """Every page rendered to PNG under tests/artifacts/ (checked not blank); the PDF's text."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(data)
    for i in range(len(pdf)):
        image = pdf[i].render(scale=1.4).to_pil()
        image.save(artifacts / f"{stem}-p{i + 1}.png")
        assert image.convert("L").getextrema() == (0, 255), f"page {i + 1} is blank"
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_the_unit_report_has_the_kop_method_conversion_rtl_and_sign_off(kop_app, world, admin, artifacts):
    client = kop_app.test_client()
    plan = {**PLAN, "unit": "PKM-A", "period": "2026-11", "unsur": ["U3"], "kegiatan": "Jam layanan sore dibuka"}
    assert client.post("/api/v1/action-plans", json=plan, headers=admin).status_code == 201
    r = client.get("/api/v1/reports/skm/PKM-A?period=2026-11&format=pdf", headers=admin)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_pages(r.data, artifacts, "skm-report-unit")
    row = client.get("/api/v1/indicators/units?unit=PKM-A&period=2026-11", headers=admin).json["items"][0]
    for expected in ("PEMERINTAH KABUPATEN ANDIR", "Pelaksanaan survei", "1 November 2026 – 30 November 2026",
                     "Tabel konversi nilai", "88,31 – 100,00", "Perbandingan dengan periode sebelumnya",
                     "Rencana tindak lanjut", "Jam layanan sore dibuka", "Mengetahui,", "Kepala Puskesmas Andir",
                     "NIP.", f"{row['ikm']:.2f}".replace(".", ",")):
        assert expected in text, expected


def test_the_xlsx_formulas_recompute_the_exact_figures(kop_app, world, admin):
    """The auditor's columns: the formulas as written, evaluated here from the sheet's own counts."""
    import io

    from openpyxl import load_workbook
    client = kop_app.test_client()
    r = client.get("/api/v1/reports/skm/DINKES?period=2026-11&format=xlsx", headers=admin)
    sheet = load_workbook(io.BytesIO(r.data))["Unsur"]
    rows = list(sheet.iter_rows(min_row=2, max_row=10, values_only=True))
    assert [x[0] for x in rows] == list(skm.UNSUR_CODES)
    nrr = {}
    for i, (code, _, total, count, exact, formula, weight, weighted) in enumerate(rows, 2):
        assert formula == f'=IF(D{i}>0,C{i}/D{i},"")' and weight == "=1/9" and weighted == f"=IF(D{i}>0,F{i}*G{i},0)"
        nrr[code] = Fraction(total, count) if count else None
        assert exact == (float(skm.half_up(nrr[code], 4)) if count else None)
    skm_formula, ikm_formula = sheet["H11"].value, sheet["H12"].value
    assert "SUM(H2:H10)/SUMIF(D2:D10" in skm_formula and ikm_formula == '=IF(H11="","",ROUND(H11*25,2))'
    present = [v for v in nrr.values() if v is not None]
    recomputed = skm.half_up(sum(present, Fraction(0)) / len(present) * 25, 2)
    row = client.get("/api/v1/indicators/units?unit=DINKES&period=2026-11", headers=admin).json["items"][0]
    assert float(recomputed) == row["ikm"] == sheet["E12"].value


def test_the_pemda_report_shows_the_pooled_index_the_ranking_and_every_plan(kop_app, world, admin, artifacts):
    from shared.records.users import WebUser, hash_password

    from tests.aggregator.conftest import PASSWORD, log_in
    WebUser.save_revision("eval.laporan", {"password_hash": hash_password(PASSWORD), "roles": ["evaluator"]},
                          at=world[1].now(), by="test")
    client = kop_app.test_client()
    for scope, population in (("DISDUK", 150), ("DISDUK-KEC", 50), ("PKM-A", 15)):   # as set above, if not yet
        client.put(f"/api/v1/admin/populations/{scope}", json={"period": "2026-11", "population": population},
                   headers=admin)
    assert client.get("/reports/skm-pemda.pdf?period=2026-11").status_code == 302
    assert log_in(client, "eval.laporan").status_code == 302
    rollup = client.get("/api/v1/public/rollup?period=2026-11").json
    r = client.get("/reports/skm-pemda.pdf?period=2026-11")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_pages(r.data, artifacts, "skm-report-pemda")
    assert "IKM gabungan" in text and f"{rollup['pemda']['ikm']:.2f}".replace(".", ",") in text
    assert "Peringkat OPD" in text and "Dinas Kesehatan" in text and "di bawah target sampel" in text
    book = client.get("/reports/skm-pemda.xlsx?period=2026-11")
    assert book.status_code == 200
    assert client.get("/reports/skm-pemda.doc?period=2026-11").status_code == 404


# -- the official questionnaire's profile categories -------------------------------------------

def test_stored_profiles_are_read_in_the_standard_forms_categories(app, world, admin, artifacts):
    """Events written before the standard categories (D1-D3, D4-S1, TNI-Polri) still fold; the
    report counts D1-D3 as D1-D3-D4 and keeps D4-S1 and TNI-Polri as rows of old data."""
    settings, clock, _ = world
    profiles = [{"education": "D1-D3", "occupation": "TNI-Polri"}, {"education": "D1-D3", "occupation": "TNI-Polri"},
                {"education": "D1-D3-D4", "occupation": "POLRI"}, {"education": "D4-S1", "occupation": "TNI"},
                {"education": "S1", "occupation": "pelajar-mahasiswa"}]
    events = [skm_event("BAPPEDA", 3, period="2026-08", profile=p) for p in profiles]
    publish(settings, events)
    with WorkerThread(settings, clock) as w:
        w.wait_for(len(events))
    client = app.test_client()
    report = client.get("/api/v1/reports/skm/BAPPEDA?period=2026-08", headers=admin).json
    assert report["result"]["respondents"] == 5
    counts = {key: {r["value"]: r["count"] for r in rows} for key, rows in report["profile"].items()}
    assert {k: v for k, v in counts["education"].items() if v} == {"D1-D3-D4": 3, "D4-S1": 1, "S1": 1}
    assert {k: v for k, v in counts["occupation"].items() if v} == {"TNI-Polri": 2, "POLRI": 1, "TNI": 1,
                                                                    "pelajar-mahasiswa": 1}
    r = client.get("/api/v1/reports/skm/BAPPEDA?period=2026-08&format=pdf", headers=admin)
    text = pdf_pages(r.data, artifacts, "skm-report-legacy-profile")
    for expected in ("D1-D3-D4", "D4/S1 (data lama)", "TNI/POLRI (data lama)", "POLRI", "Pelajar/Mahasiswa"):
        assert expected in text, expected
    assert "D1-D3\n" not in text
