"""SKM / IKM exactly as PermenPAN-RB 14/2017 computes it."""
from decimal import Decimal

import pytest

from shared.domain import skm

pytestmark = pytest.mark.unit


def totals_of(*respondents):
    t = skm.Totals()
    for answers in respondents:
        t.add(answers)
    return t


ALL = skm.UNSUR_CODES


def test_nrr_is_sum_over_those_who_answered():
    t = totals_of(dict.fromkeys(ALL, 4), {c: 2 for c in ALL if c != "U4"})
    nrr = skm.nrr(t)
    assert nrr["U1"] == 3.0
    assert nrr["U4"] == 4.0  # only the first respondent answered U4


def test_equal_weights_give_the_mean_of_the_nine_nrr_and_ikm_is_times_25():
    t = totals_of(dict(zip(ALL, [4, 3, 3, 4, 3, 4, 4, 3, 3])))
    value = skm.skm_value(skm.nrr(t))
    assert value == pytest.approx(31 / 9)
    assert skm.ikm(value) == Decimal("86.11")


def test_unanswered_unsur_is_left_out_and_weights_rescaled():
    t = totals_of({c: 4 for c in ALL if c != "U4"} | {"U1": 1})
    by = skm.nrr(t)
    assert by["U4"] is None
    assert skm.skm_value(by) == pytest.approx((1 + 4 * 7) / 8)


def test_no_answers_at_all_has_no_value():
    assert skm.skm_value(skm.nrr(skm.Totals())) is None
    assert skm.ikm(None) is None
    assert skm.grade(None) is None


def test_custom_weights_must_sum_to_one_and_change_the_value():
    weights = dict.fromkeys(ALL[:8], 0.1) | {"U9": 0.2}
    skm.check_weights(weights)
    t = totals_of(dict.fromkeys(ALL[:8], 4) | {"U9": 1})
    assert skm.skm_value(skm.nrr(t), weights) == pytest.approx(0.8 * 4 + 0.2 * 1)
    with pytest.raises(skm.WeightsError):
        skm.check_weights(dict.fromkeys(ALL, 0.11))
    with pytest.raises(skm.WeightsError):
        skm.check_weights({"U10": 1.0})
    with pytest.raises(skm.WeightsError):
        skm.check_weights({"U1": 1.5, "U2": -0.5})


@pytest.mark.parametrize("value,mutu,kinerja", [
    ("100.00", "A", "Sangat Baik"), ("88.31", "A", "Sangat Baik"), ("88.30", "B", "Baik"),
    ("76.61", "B", "Baik"), ("76.60", "C", "Kurang Baik"), ("65.00", "C", "Kurang Baik"),
    ("64.99", "D", "Tidak Baik"), ("25.00", "D", "Tidak Baik"),
])
def test_grade_boundaries(value, mutu, kinerja):
    g = skm.grade(Decimal(value))
    assert (g["mutu"], g["kinerja"]) == (mutu, kinerja)


def test_grade_rounds_to_two_decimals_first():
    assert skm.grade(88.305)["mutu"] == "A"   # 88.305 -> 88.31
    assert skm.grade(88.3049)["mutu"] == "B"  # -> 88.30
    assert skm.grade(76.605)["mutu"] == "B"
    assert skm.grade(64.995)["mutu"] == "C"


def test_perception_boundaries_match_the_table():
    # The regulation's perception intervals: 3.5324 -> A, 3.0644 -> B, 2.60 -> C.
    assert skm.grade(skm.ikm(3.5324))["mutu"] == "A"
    assert skm.grade(skm.ikm(3.0644))["mutu"] == "B"
    assert skm.grade(skm.ikm(3.064))["mutu"] == "C"
    assert skm.grade(skm.ikm(2.60))["mutu"] == "C"
    assert skm.grade(skm.ikm(2.5996))["mutu"] == "D"


def test_lowest_unsur_are_the_improvement_priorities():
    t = totals_of(dict(zip(ALL, [4, 2, 3, 4, 1, 4, 4, 2, 4])))
    assert skm.lowest_unsur(skm.nrr(t)) == ["U5", "U2", "U8"]


@pytest.mark.parametrize("population,target", [(100, 80), (1000, 278), (10000, 370), (100000, 384),
                                               (5_000_000, 384), (10, 10), (0, 0)])
def test_krejcie_morgan(population, target):
    assert skm.krejcie_morgan(population) == target


def test_evaluate_flags_too_few_respondents_without_hiding_the_result():
    t = totals_of(dict.fromkeys(ALL, 3))
    result = skm.evaluate(t, population=1000)
    assert result["sample"] == {"population": 1000, "target": 278, "adequate": False}
    assert result["ikm"] == 75.0 and result["grade"]["mutu"] == "C"


def test_totals_merge_equals_adding_everything_to_one():
    a, b = totals_of({"U1": 4, "U2": 1}), totals_of({"U1": 2}, {"U3": 3})
    merged = a.merge(b)
    assert merged.to_dict() == totals_of({"U1": 4, "U2": 1}, {"U1": 2}, {"U3": 3}).to_dict()
    assert skm.Totals.from_dict(merged.to_dict()) == merged
