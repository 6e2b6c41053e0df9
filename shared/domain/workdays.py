"""Working days (hari kerja): Monday to Friday, minus a holiday calendar.

Complaint deadlines are counted in working days, as SP4N-LAPOR! counts them: a ticket
received on day D must be verified by the end of the third working day after D. Pure
functions over dates; the holiday calendar is passed in (``TANGGAP_HOLIDAYS``).
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

MAX_SPAN_DAYS = 3660  # a bound on every walk over the calendar (ten years)


def parse_holidays(text: str) -> frozenset[date]:
    """``YYYY-MM-DD`` dates separated by commas or whitespace; ValueError names the bad one."""
    out = set()
    for part in text.replace(",", " ").split():
        try:
            out.add(date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"not a date (YYYY-MM-DD): {part[:20]!r}") from None
    return frozenset(out)


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, n: int, holidays: Collection[date] = ()) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count); ``n = 0``
    is ``start`` when it is a working day, else the next working day."""
    day = start
    if n <= 0:
        for _ in range(MAX_SPAN_DAYS):
            if is_working_day(day, holidays):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within ten years")
    left = n
    for _ in range(MAX_SPAN_DAYS):
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
            if left == 0:
                return day
    raise ValueError("no such working day within ten years")


def working_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``): a
    ticket received on a Friday and answered on the next Monday took 1 working day."""
    if end <= start:
        return 0
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError("span longer than ten years")
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count
