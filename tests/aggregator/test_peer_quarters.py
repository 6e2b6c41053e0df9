"""Peer (BerAKHLAK 360) results are released per quarter only, through the real pipeline:
colleagues rate through the survey API over the months of 2026, the relay publishes to Kafka,
a real worker folds the events, and every period the aggregator accepts is asked for. Months
are refused, semesters and the year answer as their released quarters, means have one
decimal, and no two released figures about a person are over nested sets of ratings (so no
difference of them isolates fewer raters than a release needs)."""
from __future__ import annotations

import csv
import io
import itertools
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from shared.domain import berakhlak as b
from shared.domain.periods import months_in, quarter_of
from shared.domain.skm import half_up
from shared.messaging.topics import ensure_topics
from shared.platform.auth import issue_token
from shared.platform.clock import ManualClock
from shared.records.directory import Employee, Unit

from tests.support.aggregator import WorkerThread, lag, nip
from tests.support.env import isolated_settings
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

HEAD, X, Y = nip(700), nip(701), nip(702)
R1, R2, R3, R4, R5 = (nip(710 + i) for i in range(1, 6))
MIN = 3
YEAR = "2026"
MONTHS = months_in(YEAR)
QUARTERS = [f"{YEAR}-Q{q}" for q in range(1, 5)]
SEMESTERS = [f"{YEAR}-S1", f"{YEAR}-S2"]


def scores(bo, ak, ko=4, ha=4, lo=4, ad=4, kl=4) -> dict[str, int]:
    return dict(zip(b.VALUE_CODES, (bo, ak, ko, ha, lo, ad, kl)))


# (ratee, rater, month, scores). X: 2026-Q1 below the minimum (2 raters), 2026-Q2 exactly the
# minimum (3 raters, R1 in two of its months, one rater in each month alone or two: each month
# on its own would show one or two people's scores). Y: two released quarters sharing a rater
# (R1), with a value below expectations in Q4.
FEEDBACK = [
    (X, R4, "2026-01", scores(2, 2)), (X, R2, "2026-03", scores(5, 5)),
    (X, R1, "2026-04", scores(5, 3, 5)), (X, R2, "2026-05", scores(4, 4, 3)), (X, R3, "2026-05", scores(4, 3, 3)),
    (X, R1, "2026-06", scores(4, 4, 4)),
    (Y, R1, "2026-07", scores(4, 4)), (Y, R2, "2026-08", scores(5, 4)), (Y, R3, "2026-09", scores(3, 5)),
    (Y, R1, "2026-10", scores(2, 4)), (Y, R4, "2026-11", scores(3, 5)), (Y, R5, "2026-12", scores(2, 4)),
]
APPRAISALS = [(X, YEAR, b.SESUAI), (X, "2026-05", b.DI_ATAS), (Y, YEAR, b.DI_ATAS)]


def at_mid_month(month: str) -> datetime:
    return datetime(int(month[:4]), int(month[5:]), 15, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(base_settings):
    from shared.platform import db

    from services.aggregator.app import create_app as aggregator_app
    from services.survey.app import create_app as survey_app
    from services.survey.outbox.relay import Relay

    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    clock = ManualClock(at_mid_month("2026-01"))
    Unit.save_revision("PEERQ", {"name": "Bagian Umum", "head_nip": HEAD}, at=clock.now(), by="test")
    for who in (HEAD, X, Y, R1, R2, R3, R4, R5):
        Employee.save_revision(who, {"name": f"Pegawai {who[-4:]}", "unit": "PEERQ",
                                     "supervisor_nip": None if who == HEAD else HEAD}, at=clock.now(), by="test")
    survey = survey_app(settings, clock).test_client()
    for ratee, rater, month, values in FEEDBACK:
        clock.set(at_mid_month(month))
        token = issue_token(settings, sub=rater, roles=["employee"], nip=rater, clock=clock)
        r = survey.post("/api/v1/peer-feedback", json={"ratee": ratee, "answers": values},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.json
    clock.set(at_mid_month("2026-12"))
    aggregator = aggregator_app(settings, clock)
    evaluator = {"Authorization": f"Bearer {issue_token(settings, sub='ev', roles=['evaluator'], clock=clock)}"}
    imported = aggregator.test_client().post(
        "/api/v1/appraisals", json={"items": [{"nip": n, "period": p, "hasil_kerja": h} for n, p, h in APPRAISALS]},
        headers=evaluator)
    assert imported.status_code == 200 and imported.json["published"] == len(APPRAISALS), imported.json
    relay = Relay(settings, clock=clock)
    while relay.run_once():
        pass
    with WorkerThread(settings, clock) as w:
        w.wait_for(len(FEEDBACK) + len(APPRAISALS))
        eventually(lambda: lag(settings) == 0, timeout=30, message="offsets not committed")
    yield aggregator.test_client(), evaluator
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri) as client:
        client.drop_database(settings.mongodb_db)


@pytest.fixture(autouse=True)
def _world_database(world, base_settings):
    pass


def get(world, path: str, **params):
    client, headers = world
    return client.get(path, query_string=params, headers=headers)


def ratings_of(ratee: str, quarter: str) -> list[tuple[str, str, dict]]:
    """What was sent about ``ratee`` in ``quarter``: (rater, month, scores)."""
    return [(rater, month, s) for who, rater, month, s in FEEDBACK if who == ratee and quarter_of(month) == quarter]


def expected(ratee: str, quarter: str) -> dict:
    """The quarter's result computed here from what was sent: exact, rounded half-up once."""
    sent = ratings_of(ratee, quarter)
    exact = {c: Fraction(sum(s[c] for _, _, s in sent), len(sent)) for c in b.VALUE_CODES}
    return {"raters": len({r for r, _, _ in sent}),
            "values": {c: float(half_up(m, 1)) for c, m in exact.items()},
            "mean": float(half_up(sum(exact.values(), Fraction(0)) / len(exact), 1))}


def one_decimal(value) -> bool:
    """At most one decimal as shown (a spreadsheet reads 4.0 back as 4)."""
    return Decimal(f"{value}").as_tuple().exponent >= -1


ASKABLE_NON_MONTHS = QUARTERS + SEMESTERS + [YEAR]


def test_a_month_is_refused_with_the_quarter_to_ask_for(world):
    for month in MONTHS:
        r = get(world, "/api/v1/indicators/peer", period=month)
        assert r.status_code == 422, (month, r.json)
        assert r.json["code"] == "period_not_released" and r.json["status"] == 422
        assert set(r.json["errors"]) == {"period"} and quarter_of(month) in r.json["errors"]["period"][0]
        assert r.json["message"] and r.json["message_en"]
        for fmt in ("csv", "xlsx"):                            # no export of a month either
            assert get(world, "/api/v1/indicators/peer", period=month, format=fmt).status_code == 422


def test_the_default_is_this_quarter(world):
    r = get(world, "/api/v1/indicators/peer")
    assert r.status_code == 200 and r.json["period"] == "2026-Q4"
    assert {(row["nip"], row["period"]) for row in r.json["items"]} == {(Y, "2026-Q4")}


def test_quarters_semesters_and_the_year_answer_with_released_quarters_only(world):
    rows = {p: get(world, "/api/v1/indicators/peer", period=p).json["items"] for p in ASKABLE_NON_MONTHS}
    assert rows["2026-Q1"] == [{"nip": X, "unit": "PEERQ", "period": "2026-Q1", "released": False, "raters": 2,
                                "min_raters": MIN}]                       # withheld: nothing but the count
    assert [(r["nip"], r["period"], r["raters"]) for r in rows["2026-Q2"]] == [(X, "2026-Q2", 3)]
    assert [(r["nip"], r["period"]) for r in rows["2026-S1"]] == [(X, "2026-Q2")]           # not Q1
    assert [(r["nip"], r["period"]) for r in rows["2026-S2"]] == [(Y, "2026-Q3"), (Y, "2026-Q4")]
    assert [(r["nip"], r["period"]) for r in rows[YEAR]] == [(X, "2026-Q2"), (Y, "2026-Q3"), (Y, "2026-Q4")]
    for period, found in rows.items():
        for row in found:
            assert row["period"] in QUARTERS and row["period"] in (period if "-Q" in period else QUARTERS)
            if period in (YEAR, *SEMESTERS):
                assert row["released"]                          # the year is its released quarters, as they are
                assert row == next(r for r in rows[row["period"]] if r["nip"] == row["nip"])


def test_an_employee_sees_the_quarter_of_a_month_and_the_released_quarters_of_a_year(world):
    may = get(world, f"/api/v1/indicators/employees/{X}", period="2026-05").json
    assert may["period"] == "2026-05" and may["peer"]["period"] == "2026-Q2" and may["peer"]["released"]
    assert [q["period"] for q in may["peer_quarters"]] == ["2026-Q2"]
    february = get(world, f"/api/v1/indicators/employees/{X}", period="2026-02").json
    assert february["peer"] == {"nip": X, "unit": "PEERQ", "period": "2026-Q1", "released": False, "raters": 2,
                                "min_raters": MIN}
    assert february["peer_quarters"] == []
    year = get(world, f"/api/v1/indicators/employees/{Y}", period=YEAR).json
    assert year["peer"] is None and [q["period"] for q in year["peer_quarters"]] == ["2026-Q3", "2026-Q4"]


def test_the_predikat_takes_a_released_quarters_perilaku_never_a_year_mean(world):
    year = {r["nip"]: r for r in get(world, "/api/v1/indicators/predikat", period=YEAR).json["items"]}
    assert year[X]["perilaku_period"] == "2026-Q2" and year[Y]["perilaku_period"] == "2026-Q4"
    q4 = next(r for r in get(world, "/api/v1/indicators/peer", period="2026-Q4").json["items"] if r["nip"] == Y)
    assert year[Y]["perilaku"] == q4["perilaku"] and year[Y]["perilaku_source"] == "peer"
    may = {r["nip"]: r for r in get(world, "/api/v1/indicators/predikat", period="2026-05").json["items"]}
    assert may[X]["hasil_kerja"] == b.DI_ATAS and may[X]["perilaku_period"] == "2026-Q2" and may[X]["predikat"]
    february = {r["nip"]: r for r in get(world, "/api/v1/indicators/predikat", period="2026-02").json["items"]}
    assert february[X]["perilaku"] is None and february[X]["perilaku_period"] is None   # Q1 is withheld


def released_figures(world) -> list[tuple[str, str, str, str, float, int]]:
    """Every released figure any accepted request shows: (where, nip, quarter, value, shown, raters)
    from the JSON, CSV and XLSX answers and the employee endpoint, for every period."""
    out = []

    def take(where, row):
        if row.get("released") in (True, "True"):
            for code in [*b.VALUE_CODES, "mean"]:
                shown = row["mean"] if code == "mean" else row["values"][code]["mean"]
                out.append((where, row["nip"], row["period"], code, shown, int(row["raters"])))

    for period in ASKABLE_NON_MONTHS + MONTHS:
        if period not in MONTHS:
            for row in get(world, "/api/v1/indicators/peer", period=period).json["items"]:
                take(f"json {period}", row)
            text = get(world, "/api/v1/indicators/peer", period=period, format="csv").text
            for flat in csv.DictReader(io.StringIO(text)):
                take(f"csv {period}", {**flat, "values": {c: {"mean": flat.get(f"values.{c}.mean")}
                                                           for c in b.VALUE_CODES}})
            sheet = load_workbook(io.BytesIO(get(world, "/api/v1/indicators/peer", period=period,
                                                 format="xlsx").data)).active
            header, *data = [list(r) for r in sheet.iter_rows(values_only=True)]
            for values in data:
                flat = dict(zip(header, values))
                take(f"xlsx {period}", {**flat, "values": {c: {"mean": flat.get(f"values.{c}.mean")}
                                                            for c in b.VALUE_CODES}})
        for who in (X, Y):
            body = get(world, f"/api/v1/indicators/employees/{who}", period=period).json
            for row in ([body["peer"]] if body["peer"] else []) + body["peer_quarters"]:
                take(f"employee {period}", row)
    return out


def test_every_released_figure_is_one_quarters_and_none_are_nested(world):
    figures = released_figures(world)
    assert {(n, q) for _, n, q, *_ in figures} == {(X, "2026-Q2"), (Y, "2026-Q3"), (Y, "2026-Q4")}
    ratings: dict[tuple[str, str], frozenset] = {}
    for where, who, quarter, code, shown, raters in figures:
        assert one_decimal(shown), (where, code, shown)
        want = expected(who, quarter)
        # The figure is over exactly the ratings sent in its quarter: its value and its raters say so.
        assert float(shown) == (want["mean"] if code == "mean" else want["values"][code]), (where, who, quarter, code)
        assert raters == want["raters"] >= MIN
        ratings[(where, who, quarter, code)] = frozenset((r, m) for r, m, _ in ratings_of(who, quarter))
    by_person_value = defaultdict(list)
    for (_where, who, _quarter, code), behind in ratings.items():
        by_person_value[(who, code)].append(behind)
    for sets in by_person_value.values():
        for one, other in itertools.combinations(sets, 2):
            assert one == other or not one & other       # identical or disjoint: nothing to subtract
            people = ({r for r, _ in one}, {r for r, _ in other})
            assert one == other or len(people[0]) >= MIN <= len(people[1])
    # Y's two quarters share a rater (R1) but not a rating: disjoint sets of ratings, each >= MIN raters.
    assert ratings_of(Y, "2026-Q3")[0][0] == ratings_of(Y, "2026-Q4")[0][0] == R1


def test_half_up_from_the_integer_sums(world):
    (row,) = get(world, "/api/v1/indicators/peer", period="2026-Q2").json["items"]
    assert row["values"]["BO"]["mean"] == 4.3 and row["values"]["BO"]["n"] == 4      # 17/4 = 4.25 exactly
    assert row["values"]["AK"]["mean"] == 3.5 and row["values"]["KO"]["mean"] == 3.8  # 14/4, 15/4 = 3.75
    assert row["mean"] == expected(X, "2026-Q2")["mean"]


def test_a_behaviour_case_is_about_a_quarter_with_the_released_figures(world):
    cases = [c for c in get(world, "/api/v1/cases").json if c["rule"] == "berakhlak-below"]
    assert cases and {(c["subject"], c["period"]) for c in cases} == {(Y, "2026-Q4")}   # BO 7/3 = 2.3
    (q4,) = [r for r in get(world, "/api/v1/indicators/peer", period="2026-Q4").json["items"] if r["nip"] == Y]
    means = cases[0]["evidence"]["values"]["means"]
    assert means == {c: v["mean"] for c, v in q4["values"].items()} and all(one_decimal(m) for m in means.values())
