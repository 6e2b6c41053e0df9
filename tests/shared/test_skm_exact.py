"""SKM exactly as the regulation computes it: integer sums as fractions, half-up once at the
end; the Krejcie-Morgan table as published. Compared with a reference written here from the
definitions (fractions), over random response sets with blanks, and pinned on the ties."""
from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain import skm

from services.aggregator.state.results import officer_index

pytestmark = pytest.mark.unit
ALL = skm.UNSUR_CODES
TABLE = Path(__file__).resolve().parents[1] / "support" / "krejcie_morgan_1970.txt"


def reference_half_up(value: Fraction, places: int) -> Decimal:
    """Half-up by the definition: floor(value x 10^places + 1/2) / 10^places (values >= 0)."""
    scaled = value * 10 ** places + Fraction(1, 2)
    return Decimal(scaled.numerator // scaled.denominator) / Decimal(10 ** places)


def reference(answers: list[dict[str, int]], weights: dict[str, Fraction] | None = None) -> dict:
    weights = weights or {c: Fraction(1, 9) for c in ALL}
    nrr = {}
    for code in ALL:
        given_ = [a[code] for a in answers if code in a]
        nrr[code] = Fraction(sum(given_), len(given_)) if given_ else None
    present = {c: w for c, w in weights.items() if nrr[c] is not None}
    value = sum(nrr[c] * w for c, w in present.items()) / sum(present.values())
    return {"nrr": {c: (float(reference_half_up(v, 4)) if v is not None else None) for c, v in nrr.items()},
            "skm": float(reference_half_up(value, 4)), "ikm": float(reference_half_up(value * 25, 2))}


def totals_of(answers: list[dict[str, int]]) -> skm.Totals:
    t = skm.Totals()
    for a in answers:
        t.add(a)
    return t


answer_sets = st.lists(st.dictionaries(st.sampled_from(ALL), st.integers(1, 4), min_size=1, max_size=9),
                       min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(answer_sets)
def test_the_shipped_computation_is_the_exact_one(answers):
    result = skm.evaluate(totals_of(answers))
    expected = reference(answers)
    assert (result["nrr"], result["skm"], result["ikm"]) == (expected["nrr"], expected["skm"], expected["ikm"])
    assert result["grade"] == skm.grade(Decimal(str(expected["ikm"])))


@settings(max_examples=100, deadline=None)
@given(answer_sets, st.lists(st.integers(0, 20), min_size=9, max_size=9).filter(lambda w: sum(w) > 0))
def test_custom_weights_are_exact_too(answers, parts):
    weights = {c: Fraction(p, sum(parts)) for c, p in zip(ALL, parts)}
    if not any(weights[c] for a in answers for c in a):
        return
    result = skm.evaluate(totals_of(answers), {c: f"{w.numerator}/{w.denominator}" for c, w in weights.items()})
    assert result["ikm"] == reference(answers, weights)["ikm"]


def test_the_ties_round_up():
    # U1 = 1, U2..U8 = 4, U9 blank: SKM = 29/8 = 3.625 exactly, IKM 90.625 -> 90.63 (floats gave 90.62)
    one = skm.evaluate(totals_of([{"U1": 1, **dict.fromkeys(ALL[1:8], 4)}]))
    assert (one["skm"], one["ikm"]) == (3.625, 90.63)
    # 625 respondents, one leaving U9 blank, whose exact IKM is 76.605: B after half-up, not C
    answers = tie_76_605()
    result = skm.evaluate(totals_of(answers))
    exact_skm = skm.skm_exact(skm.nrr_exact(totals_of(answers)))
    assert exact_skm * 25 == Fraction("76.605")
    assert result["ikm"] == 76.61 and result["grade"]["mutu"] == "B"
    # the report's worked line shows an SKM that multiplies to the IKM shown
    shown = Decimal(result["skm_worked"])
    assert reference_half_up(Fraction(shown) * 25, 2) == Decimal("76.61")


def tie_76_605() -> list[dict[str, int]]:
    """625 respondents (one without U9) whose SKM is 3.0642 exactly: 9 x 3.0642 = 27.5778 =
    the sum of the nine NRR. Built by searching small integer sums; checked by the caller."""
    for u9_sum in range(1, 4 * 624 + 1):
        rest = Fraction("27.5778") - Fraction(u9_sum, 624)
        total = rest * 625                       # the other eight NRR share the 625 respondents
        if total.denominator == 1 and 8 * 625 <= total <= 8 * 4 * 625 and 624 <= u9_sum <= 4 * 624:
            return spread(int(total), u9_sum)
    raise AssertionError("no tie found")


def spread(total_eight: int, u9_sum: int) -> list[dict[str, int]]:
    """625 answer sets: U1..U8 summing to ``total_eight`` over all, U9 to ``u9_sum`` over 624."""
    rows = [dict.fromkeys(ALL[:8], 1) for _ in range(625)]
    left = total_eight - 8 * 625
    for row in rows:
        for code in ALL[:8]:
            step = min(3, left)
            row[code] += step
            left -= step
    u9 = [1] * 624
    left = u9_sum - 624
    for i in range(624):
        step = min(3, left)
        u9[i] += step
        left -= step
    for row, value in zip(rows, u9 + [None]):
        if value is not None:
            row["U9"] = value
    return rows


def test_the_officer_index_rounds_half_up_from_the_exact_value():
    # 4 respondents, U6 sums to 5 and U7 to 16: (1.25 + 4) / 2 x 25 = 65.625 exactly -> 65.63
    # (round() on the float gave 65.62: ties to even)
    tie = totals_of([{"U6": 2, "U7": 4}] + [{"U6": 1, "U7": 4}] * 3)
    assert officer_index(tie) == 65.63
    assert officer_index(totals_of([{"U6": 4, "U7": 4}, {"U6": 1, "U7": 4}] * 2)) == 81.25   # exact, no rounding
    assert officer_index(totals_of([{"U6": 3, "U7": 3}] * 2 + [{"U6": 2, "U7": 3}])) == 70.83  # 70.8333...


def published_table() -> list[tuple[int, int]]:
    rows = []
    for cell in TABLE.read_text().replace("\n", " ").split("|"):
        if cell.strip():
            n, s = cell.split()
            rows.append((int(n), int(s)))
    return rows


def test_krejcie_morgan_is_the_published_table():
    rows = published_table()
    assert len(rows) > 80 and rows[-1] == (1000000, 384)
    for population, sample in rows:
        assert skm.krejcie_morgan(population) == sample, population
    for (low, _), (high, sample) in itertools.pairwise(rows):
        assert skm.krejcie_morgan(low + 1) == sample and skm.krejcie_morgan(high - 1) == sample   # next row up
    assert skm.krejcie_morgan(759) == 260
    assert [skm.krejcie_morgan(n) for n in (15, 50, 500, 2000, 75000)] == [14, 44, 217, 322, 382]
    assert skm.krejcie_morgan(1_000_001) == 384 and skm.krejcie_morgan(9) == 9 and skm.krejcie_morgan(0) == 0


def test_weights_are_exact_as_written():
    assert skm.check_weights({**dict.fromkeys(ALL[:8], "0.1"), "U9": "0.2"})["U9"] == Fraction(1, 5)
    assert skm.check_weights({**dict.fromkeys(ALL[:8], 0.1), "U9": 0.2})["U1"] == Fraction(1, 10)
    assert skm.is_equal(dict.fromkeys(ALL, "1/9"))
    with pytest.raises(skm.WeightsError, match="exactly"):
        skm.check_weights(dict.fromkeys(ALL, "0.111"))
    assert skm.weighting(None) == {"kind": "equal"}
    assert skm.weighting({**dict.fromkeys(ALL[:8], 0.1), "U9": 0.2}, "renovasi")["weights"]["U9"] == "0.2"
