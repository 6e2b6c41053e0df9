"""Training evaluation (Kirkpatrick's levels), the parts that are pure: the level-1 reaction
questions and their results per programme.

Results are shown only with at least :data:`MIN_RESPONDENTS` respondents, per programme and
never per person; means are exact fractions rounded half-up once.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
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
# level 3 (behaviour), asked of the alumnus ("Saya ...") and then of their supervisor ("Alumni ...")
# months later: (code, alumnus id, alumnus en, supervisor id, supervisor en), 1 .. 5
APPLICATION = (
    ("applied", "Saya menerapkan yang saya pelajari dalam pekerjaan", "I apply what I learned at work",
     "Alumni menerapkan yang dipelajarinya dalam pekerjaan", "The alumnus applies what they learned at work"),
    ("improved", "Pekerjaan saya menjadi lebih baik karenanya", "My work got better because of it",
     "Pekerjaan alumni menjadi lebih baik karenanya", "The alumnus's work got better because of it"),
    ("citizens", "Warga yang saya layani merasakan perbedaannya", "The citizens I serve notice the difference",
     "Warga yang dilayani alumni merasakan perbedaannya", "The citizens the alumnus serves notice the difference"),
    ("support", "Saya mendapat dukungan untuk menerapkannya", "I get support to apply it",
     "Unit mendukung alumni menerapkannya", "The unit supports the alumnus in applying it"),
)
APPLICATION_CODES = tuple(a[0] for a in APPLICATION)
ROLES = ("alumnus", "supervisor")
SCALE = (1, 2, 3, 4, 5)
MIN_RESPONDENTS = 3
# Answers are taken, and counted, within a window; the results are shown once it has closed, so
# they never change one answer at a time (nobody's answer is found by comparing two readings).
REACTION_WINDOW_WORKING_DAYS = 10     # after the last day of the training
FOLLOWUP_WINDOW_WORKING_DAYS = 20     # after the follow-up day (the alumni, then their supervisors)


def months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError("no such date")


def reaction_window(end: date, holidays: Collection[date] = ()) -> tuple[date, date]:
    """(first, last) local day level-1 answers are taken."""
    from shared.domain import workdays
    return end + timedelta(days=1), workdays.add_working_days(end, REACTION_WINDOW_WORKING_DAYS, holidays)


def followup_window(end: date, months: int, holidays: Collection[date] = ()) -> tuple[date, date]:
    """(first, last) local day level-3 answers are taken."""
    from shared.domain import workdays
    first = months_after(end, months)
    return first, workdays.add_working_days(first, FOLLOWUP_WINDOW_WORKING_DAYS, holidays)


def _round(value: Fraction, places: int = 2) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def reaction_results(answers: Iterable[Mapping[str, int]], codes: tuple[str, ...] = REACTION_CODES,
                     closed: bool = True) -> dict[str, Any]:
    """Respondents and the mean of each question (1-5); nothing but the window's state while it
    is open (``closed`` False), only the count below the minimum."""
    rows = list(answers)
    if not closed:
        return {"respondents": None, "min_respondents": MIN_RESPONDENTS, "released": False, "window_open": True}
    out: dict[str, Any] = {"respondents": len(rows), "min_respondents": MIN_RESPONDENTS,
                           "released": len(rows) >= MIN_RESPONDENTS, "window_open": False}
    if not out["released"]:
        return out
    means = {}
    for code in codes:
        given = [int(r[code]) for r in rows if code in r]
        means[code] = _round(Fraction(sum(given), len(given))) if given else None
    out["means"] = means
    return out


# -- level 4: results (difference in differences over officers) -----------------------------------

MIN_GROUP = 3          # officers per group with data on both sides, below which no number is given
Z95 = Fraction(196, 100)


def _mean_f(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _var(values: list[Fraction]) -> Fraction:
    m = _mean_f(values)
    return sum(((v - m) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def _sqrt(value: Fraction) -> Fraction:
    """The square root to 40 significant digits (the interval is rounded to 2 decimals after)."""
    from decimal import localcontext
    with localcontext() as ctx:
        ctx.prec = 40
        return Fraction((Decimal(value.numerator) / Decimal(value.denominator)).sqrt())


def did(participants: Mapping[str, tuple[Fraction, Fraction]], controls: Mapping[str, tuple[Fraction, Fraction]],
        min_group: int = MIN_GROUP) -> dict[str, Any]:
    """Difference in differences of an indicator, per officer ``(before, after)``: the mean change
    of the participants minus the mean change of their colleagues who did not attend, with a 95 %
    interval by the normal approximation (Welch: the two groups' variances apart). Below
    ``min_group`` officers in either group: ``enough`` False and no number ("data belum cukup")."""
    p = [after - before for before, after in participants.values()]
    c = [after - before for before, after in controls.values()]
    out: dict[str, Any] = {"participants": len(p), "controls": len(c), "min_group": min_group,
                           "method": "difference in differences of per-officer changes; 95 % interval by the "
                                     "normal approximation (Welch)"}
    if len(p) < min_group or len(c) < min_group:
        return {**out, "enough": False, "message": "data belum cukup / not enough data"}
    effect = _mean_f(p) - _mean_f(c)
    variance = _var(p) / len(p) + _var(c) / len(c)
    half = Z95 * _sqrt(variance) if variance else Fraction(0)
    before_p = _mean_f([b for b, _ in participants.values()])
    after_p = _mean_f([a for _, a in participants.values()])
    before_c = _mean_f([b for b, _ in controls.values()])
    after_c = _mean_f([a for _, a in controls.values()])
    return {**out, "enough": True, "before": _round(before_p), "after": _round(after_p),
            "controls_before": _round(before_c), "controls_after": _round(after_c),
            "change": _round(after_p - before_p), "controls_change": _round(after_c - before_c),
            "effect": _round(effect), "ci95": [_round(effect - half), _round(effect + half)]}


# -- level 2: learning ------------------------------------------------------------------------------

def learning_results(pairs: Iterable[tuple[float, float]]) -> dict[str, Any]:
    """Pre- and post-test means, the mean gain and the share who improved; only with at least
    :data:`MIN_RESPONDENTS` participants scored."""
    rows = [(Fraction(str(a)), Fraction(str(b))) for a, b in pairs]
    out: dict[str, Any] = {"participants": len(rows), "min_respondents": MIN_RESPONDENTS,
                           "released": len(rows) >= MIN_RESPONDENTS}
    if not out["released"]:
        return out
    pre, post = _mean_f([a for a, _ in rows]), _mean_f([b for _, b in rows])
    improved = sum(1 for a, b in rows if b > a)
    return {**out, "pre": _round(pre), "post": _round(post), "gain": _round(post - pre),
            "improved_percent": _round(Fraction(improved * 100, len(rows)), 1)}
