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

from tests.support.aggregator import WorkerThread, lag, publish, skm_event
from tests.support.env import isolated_settings
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

# code -> (parent, name); two OPD (DINKES with puskesmas below it, DISDUK with a counter) and one
# OPD nobody answered for
UNITS = {"DINKES": (None, "Dinas Kesehatan"), "PKM-A": ("DINKES", "Puskesmas Andir"),
         "PKM-A1": ("PKM-A", "Pustu Andir Hilir"), "PKM-B": ("DINKES", "Puskesmas Bojong"),
         "DISDUK": (None, "Dinas Kependudukan"), "DISDUK-KEC": ("DISDUK", "Loket Kecamatan"),
         "BAPPEDA": (None, "Bappeda")}
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
        Unit.save_revision(code, {"name": name, "parent": parent}, at=clock.now(), by="test")
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
