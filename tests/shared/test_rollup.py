"""IKM gabungan and the OPD ranking (shared/domain/rollup.py), without servers."""
from __future__ import annotations

from fractions import Fraction

import pytest

from shared.domain import rollup, skm

pytestmark = pytest.mark.unit


def totals(*answers: int | dict) -> skm.Totals:
    t = skm.Totals()
    for a in answers:
        t.add(dict.fromkeys(skm.UNSUR_CODES, a) if isinstance(a, int) else a)
    return t


def test_an_opd_pools_every_unit_below_it_and_the_pemda_pools_everyone():
    units = [rollup.UnitFigures("DINKES", None, totals(4, 4)),
             rollup.UnitFigures("PKM-A", "DINKES", totals(2)),
             rollup.UnitFigures("PKM-A1", "PKM-A", totals(3, {"U1": 1})),
             rollup.UnitFigures("DISDUK", None, totals(3))]
    out = rollup.rollup(units)
    dinkes = next(r for r in out["opd"] if r["unit"] == "DINKES")
    assert [(n["unit"], n["depth"]) for n in dinkes["tree"]] == [("DINKES", 0), ("PKM-A", 1), ("PKM-A1", 2)]
    assert dinkes["respondents"] == 5 and dinkes["units"] == 3
    # U1: 4+4+2+3+1 over 5; every other unsur: 4+4+2+3 over 4
    assert dinkes["nrr"]["U1"] == 2.8 and dinkes["nrr"]["U2"] == 3.25
    expected = (Fraction(14, 5) + 8 * Fraction(13, 4)) / 9 * 25
    assert dinkes["ikm"] == float(skm.half_up(expected, 2))
    # the units' own IKM: 100, 50 and (3,1 / 3 ... ) -> mean of the exact values
    a1 = (Fraction(4, 2) + 8 * Fraction(3)) / 9 * 25
    assert dinkes["ikm_units_mean"] == float(skm.half_up((100 + 50 + a1) / 3, 2))
    assert out["pemda"]["respondents"] == 6 and out["pemda"]["opd"] == 2
    assert {r["unit"]: r["opd"] for r in out["units"]} == {"DINKES": "DINKES", "PKM-A": "DINKES",
                                                            "PKM-A1": "DINKES", "DISDUK": "DISDUK"}


def test_a_row_under_its_sample_target_ranks_after_those_that_met_it():
    units = [rollup.UnitFigures("A", None, totals(*[2] * 10), population=10),   # target 10: met, IKM 50
             rollup.UnitFigures("B", None, totals(4, 4), population=100),       # target 80: under, IKM 100
             rollup.UnitFigures("C", None, totals(3)),                          # no population: not judged
             rollup.UnitFigures("D", None)]                                     # nobody answered
    ranked = {r["unit"]: r for r in rollup.rollup(units)["opd"]}
    assert [r["unit"] for r in rollup.rollup(units)["opd"]] == ["A", "C", "B", "D"]
    assert (ranked["A"]["rank"], ranked["C"]["rank"], ranked["B"]["rank"], ranked["D"]["rank"]) == (1, 2, 3, None)
    assert ranked["B"]["under_target"] and not ranked["A"]["under_target"] and not ranked["C"]["under_target"]
    assert ranked["B"]["sample"] == {"population": 100, "population_units": 1, "target": 80, "adequate": False}


def test_population_is_the_sum_of_the_units_where_set():
    units = [rollup.UnitFigures("OPD", None, totals(3), population=60),
             rollup.UnitFigures("SUB", "OPD", totals(3), population=40),
             rollup.UnitFigures("SUB2", "OPD", totals(3))]
    row = rollup.rollup(units)["opd"][0]
    assert row["sample"] == {"population": 100, "population_units": 2, "target": 80, "adequate": False}


def test_equal_ikm_shares_a_rank():
    units = [rollup.UnitFigures(c, None, totals(3)) for c in ("X", "Y")] + [rollup.UnitFigures("Z", None, totals(2))]
    assert [r["rank"] for r in rollup.rollup(units)["opd"]] == [1, 1, 3]


def test_the_pooled_ikm_uses_equal_weights_but_a_units_own_row_its_weights():
    weights = {**dict.fromkeys(skm.UNSUR_CODES[1:], "0.1"), "U1": "0.2"}
    unit = rollup.UnitFigures("W", None, totals({**dict.fromkeys(skm.UNSUR_CODES, 2), "U1": 4}), weights=weights)
    out = rollup.rollup([unit])
    assert out["opd"][0]["ikm"] == float(skm.half_up((4 + 8 * Fraction(2)) / 9 * 25, 2))
    assert out["units"][0]["ikm"] == float(skm.half_up((Fraction(4, 5) + Fraction(16, 10)) * 25, 2)) == 60.0
    assert out["opd"][0]["ikm_units_mean"] == 60.0


def test_a_missing_parent_or_a_loop_never_loses_a_unit():
    parents = {"A": "B", "B": "A", "C": "GONE", "D": "C"}
    assert rollup.top_of("A", parents) == rollup.top_of("B", parents) == "A"
    assert rollup.top_of("D", parents) == "C"
    groups = rollup.tree(parents, parents)
    assert sorted(c for order in groups.values() for c, _ in order) == ["A", "B", "C", "D"]
