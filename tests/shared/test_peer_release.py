"""Peer (BerAKHLAK 360) results are released per quarter only, to one decimal: the rule as
pure functions, checked over every period a request may name."""
from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest

from shared.domain import berakhlak as b
from shared.domain import peer_release as pr
from shared.domain.periods import PeriodError, months_in
from shared.domain.skm import half_up

pytestmark = pytest.mark.unit

YEAR = "2026"
QUARTERS = [f"{YEAR}-Q{q}" for q in range(1, 5)]
MONTHS = months_in(YEAR)
ASKABLE = MONTHS + QUARTERS + [f"{YEAR}-S1", f"{YEAR}-S2", YEAR]   # every form a period takes


def test_a_quarter_is_its_own_release_a_semester_and_a_year_their_quarters():
    assert pr.release_quarters("2026-Q2") == ["2026-Q2"]
    assert pr.release_quarters("2026-S1") == ["2026-Q1", "2026-Q2"]
    assert pr.release_quarters("2026-S2") == ["2026-Q3", "2026-Q4"]
    assert pr.release_quarters("2026") == QUARTERS


@pytest.mark.parametrize("month,quarter", [("2026-01", "2026-Q1"), ("2026-03", "2026-Q1"), ("2026-04", "2026-Q2"),
                                           ("2026-11", "2026-Q4"), ("2026-12", "2026-Q4")])
def test_a_month_is_not_released_and_the_refusal_names_its_quarter(month, quarter):
    with pytest.raises(pr.MonthNotReleased) as raised:
        pr.release_quarters(month)
    assert raised.value.quarter == quarter and raised.value.month == month
    assert quarter in raised.value.message_id and quarter in raised.value.message_en
    assert isinstance(raised.value, PeriodError)          # a bad period, to every caller
    assert pr.quarter_for(month) == quarter


def test_a_malformed_period_is_a_period_error():
    for bad in ("2026-13", "2026-Q5", "26", "2026-S3"):
        with pytest.raises(PeriodError):
            pr.release_quarters(bad)


def test_quarter_for_is_none_for_periods_spanning_quarters():
    assert pr.quarter_for("2026-Q3") == "2026-Q3"
    assert pr.quarter_for("2026-S1") is None and pr.quarter_for("2026") is None


def results(released: set[str], quarters=QUARTERS) -> dict[str, dict]:
    return {q: {"released": q in released, "raters": 3 if q in released else 2} for q in quarters}


def test_a_quarter_shows_its_result_withheld_or_not_a_year_only_released_quarters():
    by_quarter = results({"2026-Q2", "2026-Q4"})
    assert pr.published("2026-Q1", by_quarter) == [("2026-Q1", by_quarter["2026-Q1"])]   # withheld, as it is
    assert [q for q, _ in pr.published("2026", by_quarter)] == ["2026-Q2", "2026-Q4"]
    assert [q for q, _ in pr.published("2026-S1", by_quarter)] == ["2026-Q2"]
    assert pr.published("2026-Q3", {}) == []                                              # nobody rated
    assert pr.published("2026", {"2025-Q4": {"released": True}}) == []                    # not in the period
    with pytest.raises(pr.MonthNotReleased):
        pr.published("2026-05", by_quarter)


def test_the_predikat_takes_the_perilaku_of_one_released_quarter():
    released = {"2026-Q1", "2026-Q3"}
    assert pr.perilaku_quarter("2026-02", released) == "2026-Q1"    # a month: its quarter
    assert pr.perilaku_quarter("2026-05", released) is None          # its quarter is withheld
    assert pr.perilaku_quarter("2026-Q3", released) == "2026-Q3"
    assert pr.perilaku_quarter("2026", released) == "2026-Q3"        # the latest released, not a year mean
    assert pr.perilaku_quarter("2026-S1", released) == "2026-Q1"
    assert pr.perilaku_quarter("2026-S2", set()) is None
    assert pr.peer_months("2026-05") == ["2026-04", "2026-05", "2026-06"]
    assert pr.peer_months("2026") == MONTHS


@pytest.mark.parametrize("released", [set(c) for n in range(5) for c in itertools.combinations(QUARTERS, n)])
def test_no_two_figures_any_request_can_get_are_nested(released):
    """Exhaustive over which quarters reached the minimum raters and over every period a
    request may name: each figure shown covers the ratings of its months, and any two such
    sets are identical or disjoint, so no subtraction isolates part of a release."""
    shown: list[frozenset[str]] = []
    for period in ASKABLE:
        try:
            figures = pr.published(period, results(released))
        except pr.MonthNotReleased:
            continue
        shown += [frozenset(months_in(q)) for q, r in figures if r["released"]]
    assert set(shown) == {frozenset(months_in(q)) for q in released}
    for one, other in itertools.combinations(shown, 2):
        assert one == other or not one & other, (sorted(one), sorted(other))


# -- one decimal, half-up once from the integer sums --------------------------------------------

def summary(sums, counts, raters=3, **kw):
    return b.peer_summary(sums, counts, raters, configured_min=3, below=kw.get("below", 3.0),
                          above=kw.get("above", 4.2))


def test_means_are_one_decimal_half_up_from_the_integer_sums():
    sums = {"BO": 17, "AK": 41, "KO": 14, "HA": 13, "LO": 20, "AD": 12, "KL": 15}
    counts = {"BO": 4, "AK": 20, "KO": 4, "HA": 3, "LO": 5, "AD": 4, "KL": 4}
    out = summary(sums, counts)
    means = {c: v["mean"] for c, v in out["values"].items()}
    assert means["BO"] == 4.3       # 4.25 exactly: half-up (float round(4.25, 1) gives 4.2)
    assert means["AK"] == 2.1       # 2.05 exactly (round(41 / 20, 1) gives 2.0)
    assert means["HA"] == 4.3       # 4.333...
    exact = sum((Fraction(sums[c], counts[c]) for c in b.VALUE_CODES), Fraction(0)) / 7
    assert out["mean"] == float(half_up(exact, 1))                    # the exact means, rounded once
    for value in [out["mean"], *means.values()]:
        assert Decimal(repr(value)) == Decimal(repr(value)).quantize(Decimal("0.1"))


def test_a_rating_is_read_from_the_mean_as_shown():
    counts = dict.fromkeys(b.VALUE_CODES, 25)
    shown_three = summary(dict.fromkeys(b.VALUE_CODES, 74), counts)    # 2.96 -> 3.0
    assert shown_three["values"]["BO"] == {"mean": 3.0, "n": 25, "rating": b.SESUAI}
    shown_37 = summary(dict.fromkeys(b.VALUE_CODES, 37), dict.fromkeys(b.VALUE_CODES, 10), above=3.7)
    assert shown_37["values"]["BO"]["rating"] == b.DI_ATAS             # 3.7 meets a threshold of 3.7 exactly
    assert b.perilaku_rating(Decimal("3.6"), 3.0, 3.7) == b.SESUAI
