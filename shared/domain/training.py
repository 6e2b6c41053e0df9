"""Training evaluation (Kirkpatrick's levels), the parts that are pure: the level-1 reaction
questions and their results per programme.

Results are shown only with at least :data:`MIN_RESPONDENTS` respondents, per programme and
never per person; means are exact fractions rounded half-up once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

# (code, Bahasa Indonesia, English): the reaction questions, 1 (poor) .. 5 (excellent)
REACTION = (
    ("relevance", "Materi relevan dengan pekerjaan saya", "The material is relevant to my work"),
    ("material", "Materi jelas dan tersusun baik", "The material is clear and well organised"),
    ("trainer", "Pengajar menguasai materi dan menyampaikannya dengan baik", "The trainer knew and taught it well"),
    ("method", "Metode pelatihan membantu saya belajar", "The method helped me learn"),
    ("facilities", "Sarana dan tempat pelatihan memadai", "The facilities and venue were adequate"),
    ("overall", "Secara keseluruhan, pelatihan ini bermanfaat", "Overall, the training was worthwhile"),
)
REACTION_CODES = tuple(code for code, _, _ in REACTION)
SCALE = (1, 2, 3, 4, 5)
MIN_RESPONDENTS = 3


def _round(value: Fraction, places: int = 2) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def reaction_results(answers: Iterable[Mapping[str, int]]) -> dict[str, Any]:
    """Respondents and the mean of each question (1-5), or only the count below the minimum."""
    rows = list(answers)
    out: dict[str, Any] = {"respondents": len(rows), "min_respondents": MIN_RESPONDENTS,
                           "released": len(rows) >= MIN_RESPONDENTS}
    if not out["released"]:
        return out
    means = {}
    for code in REACTION_CODES:
        given = [int(r[code]) for r in rows if code in r]
        means[code] = _round(Fraction(sum(given), len(given))) if given else None
    out["means"] = means
    return out
