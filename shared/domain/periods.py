"""Periods: a response belongs to the calendar month (local time) it was submitted in.

Quarters, semesters and years are unions of months: ``2026-11`` is in ``2026-Q4``,
``2026-S2`` (July-December; ``S1`` is January-June) and ``2026``.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
SEMESTER = re.compile(r"^([0-9]{4})-S([12])$")
YEAR = re.compile(r"^([0-9]{4})$")
# What is taken in (APIs, pages, events): any of the four, years from 1000, so the period before
# any of them (previous) is again a period the patterns above read.
ANY = re.compile(r"^[1-9][0-9]{3}(-(0[1-9]|1[0-2]|Q[1-4]|S[12]))?$")
INPUT_MONTH = re.compile(r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$")
KINDS = ("month", "quarter", "semester", "year")
FORMS = "YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY"


class PeriodError(ValueError):
    pass


def month_of(when: datetime, tz: str) -> str:
    local = when.astimezone(ZoneInfo(tz))
    return f"{local.year:04d}-{local.month:02d}"


def months_in(period: str) -> list[str]:
    """The months a month, quarter (YYYY-Qn), semester (YYYY-S1, YYYY-S2) or year (YYYY)
    period consists of."""
    if m := MONTH.match(period):
        return [period]
    if m := QUARTER.match(period):
        year, q = int(m.group(1)), int(m.group(2))
        return [f"{year:04d}-{month:02d}" for month in range(3 * q - 2, 3 * q + 1)]
    if m := SEMESTER.match(period):
        year, half = int(m.group(1)), int(m.group(2))
        return [f"{year:04d}-{month:02d}" for month in range(6 * half - 5, 6 * half + 1)]
    if m := YEAR.match(period):
        return [f"{int(m.group(1)):04d}-{month:02d}" for month in range(1, 13)]
    raise PeriodError(f"period must be {FORMS}, not {period!r}")


def kind_of(period: str) -> str:
    if MONTH.match(period):
        return "month"
    if QUARTER.match(period):
        return "quarter"
    if SEMESTER.match(period):
        return "semester"
    if YEAR.match(period):
        return "year"
    raise PeriodError(f"period must be {FORMS}, not {period!r}")


def previous(period: str) -> str:
    """The period of the same kind just before ``period``."""
    kind = kind_of(period)
    if kind == "month":
        year, month = int(period[:4]), int(period[5:])
        return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"
    if kind == "quarter":
        year, q = int(period[:4]), int(period[-1])
        return f"{year - 1:04d}-Q4" if q == 1 else f"{year:04d}-Q{q - 1}"
    if kind == "semester":
        year, half = int(period[:4]), int(period[-1])
        return f"{year - 1:04d}-S2" if half == 1 else f"{year:04d}-S1"
    return f"{int(period) - 1:04d}"


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"


def semester_of(month: str) -> str:
    return f"{month[:4]}-S{1 if int(month[5:]) <= 6 else 2}"


def of_kind(month: str, kind: str) -> str:
    """The month, quarter, semester or year a month belongs to."""
    if kind == "month":
        return month
    if kind == "quarter":
        return quarter_of(month)
    if kind == "semester":
        return semester_of(month)
    return month[:4]


def dates_of(period: str) -> tuple[str, str]:
    """First and last day of a period, ``YYYY-MM-DD``."""
    import calendar

    months = months_in(period)
    last = months[-1]
    end = calendar.monthrange(int(last[:4]), int(last[5:]))[1]
    return f"{months[0]}-01", f"{last}-{end:02d}"
