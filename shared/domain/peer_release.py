"""The periods peer (BerAKHLAK 360) results are released for: the quarter, and only the quarter.

Pure, no I/O. A peer figure is a mean over the ratings given in its period. Figures over
nested sets of ratings can be subtracted: a quarter minus two of its months leaves the third,
two months whose raters differ by one leave that one rater's scores, a year minus its
quarters leaves what a withheld quarter held back. So results are released at one
granularity, the quarter (the period of the periodic predikat), and nothing else:

- a quarter ``YYYY-Qn``: its result, released with at least the minimum raters, else only
  ``{released: false, raters, min_raters}``;
- a semester or a year: the released results of its quarters, one per quarter, never a
  figure computed over the semester or the year; a withheld quarter is left out;
- a month: no result of its own. The API refuses it (:class:`MonthNotReleased` names its
  quarter); a view that shows several indicators of a month (the dashboard, one employee's
  summary) shows the peer result of the month's quarter, labelled with that quarter.

Every rating belongs to one month, so to exactly one quarter: any two released figures about
a person are over the same ratings (the same quarter) or over disjoint ones (two quarters),
and no difference of released figures isolates fewer raters than a release needs.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from shared.domain.periods import PeriodError, kind_of, months_in, quarter_of

RELEASE_KIND = "quarter"

R = TypeVar("R", bound=Mapping[str, Any])


class MonthNotReleased(PeriodError):
    """A month was asked for: peer results exist for its quarter only."""

    def __init__(self, month: str) -> None:
        self.month = month
        self.quarter = quarter_of(month)
        super().__init__(f"peer results are released per quarter only: ask for {self.quarter}, not {month}")

    @property
    def message_id(self) -> str:
        return (f"Hasil umpan balik rekan hanya dirilis per triwulan: gunakan {self.quarter}, "
                f"bukan {self.month}")

    @property
    def message_en(self) -> str:
        return f"Peer results are released per quarter only: ask for {self.quarter}, not {self.month}"


def release_quarters(period: str) -> list[str]:
    """The quarters whose results a request for ``period`` may show, oldest first: a quarter
    itself, the two of a semester, the four of a year. A month raises :class:`MonthNotReleased`;
    a malformed period raises :class:`~.periods.PeriodError`."""
    if kind_of(period) == "month":
        raise MonthNotReleased(period)
    return list(dict.fromkeys(quarter_of(month) for month in months_in(period)))


def quarter_for(period: str) -> str | None:
    """The one quarter a month or a quarter lies in; None for a semester or a year (which
    span several: see :func:`release_quarters`)."""
    kind = kind_of(period)
    if kind == "month":
        return quarter_of(period)
    if kind == RELEASE_KIND:
        return period
    return None


def published(period: str, by_quarter: Mapping[str, R]) -> list[tuple[str, R]]:
    """What may be shown for ``period`` from the results of its quarters (quarter -> result):
    for a quarter its result as it is (released or withheld); for a semester or a year the
    released ones only, oldest first. Quarters outside the period are ignored; a month raises
    :class:`MonthNotReleased`."""
    quarters = release_quarters(period)
    if kind_of(period) == RELEASE_KIND:
        return [(q, by_quarter[q]) for q in quarters if q in by_quarter]
    return [(q, by_quarter[q]) for q in quarters if q in by_quarter and by_quarter[q].get("released")]


def perilaku_quarter(period: str, released: Collection[str]) -> str | None:
    """The quarter whose released perilaku a predikat of ``period`` takes: the quarter a
    month or a quarter lies in (None if it is not released); for a semester or a year its
    latest released quarter, never a mean over the whole period (None if none is released)."""
    one = quarter_for(period)
    if one is not None:
        return one if one in released else None
    return next((q for q in reversed(release_quarters(period)) if q in released), None)


def peer_months(period: str) -> list[str]:
    """The months whose peer feedback can change what is shown for ``period`` (a month: those
    of its quarter)."""
    one = quarter_for(period)
    return months_in(one if one is not None else period)
