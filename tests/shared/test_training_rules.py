"""Level-1 training results: never below three respondents, exact means rounded half-up once."""
from __future__ import annotations

import pytest

from shared.domain import training

pytestmark = pytest.mark.unit


def test_training_reaction_results_need_three_respondents_and_round_half_up_once():
    two = [dict.fromkeys(training.REACTION_CODES, 5), dict.fromkeys(training.REACTION_CODES, 4)]
    assert training.reaction_results(two) == {"respondents": 2, "min_respondents": 3, "released": False,
                                              "window_open": False}
    assert training.reaction_results(two, closed=False)["respondents"] is None     # nothing while it is open
    three = [*two, {**dict.fromkeys(training.REACTION_CODES, 4), "overall": 5}]
    got = training.reaction_results(three)
    assert got["released"] and got["means"]["relevance"] == 4.33 and got["means"]["overall"] == 4.67
    eight = [{"trainer": v} for v in (5, 5, 5, 5, 4, 4, 4, 4)]      # 4.5 exactly stays 4.5
    assert training.reaction_results(eight)["means"]["trainer"] == 4.5
    halves = [{"trainer": v} for v in (5, 4, 4, 4, 4, 4, 4, 4)]     # 33/8 = 4.125 -> 4.13 (half-up)
    assert training.reaction_results(halves)["means"]["trainer"] == 4.13
