from datetime import UTC, datetime

import pytest

from shared.domain import periods

pytestmark = pytest.mark.unit


def test_month_follows_local_time():
    late_utc = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # 01:00 on 1 Dec in Jakarta
    assert periods.month_of(late_utc, "Asia/Jakarta") == "2026-12"
    assert periods.month_of(late_utc, "UTC") == "2026-11"


def test_quarters_and_years_are_unions_of_months():
    assert periods.months_in("2026-Q4") == ["2026-10", "2026-11", "2026-12"]
    assert len(periods.months_in("2026")) == 12
    assert periods.months_in("2026-02") == ["2026-02"]


@pytest.mark.parametrize("period,prev", [("2026-01", "2025-12"), ("2026-Q1", "2025-Q4"), ("2026", "2025"),
                                         ("2026-07", "2026-06"), ("2026-Q3", "2026-Q2")])
def test_previous_period(period, prev):
    assert periods.previous(period) == prev


@pytest.mark.parametrize("bad", ["2026-13", "26-01", "2026-Q5", "", "2026/01"])
def test_bad_periods_are_rejected(bad):
    with pytest.raises(periods.PeriodError):
        periods.months_in(bad)


def test_semesters_are_january_to_june_and_july_to_december():
    from shared.domain import periods
    assert periods.months_in("2026-S1") == [f"2026-{m:02d}" for m in range(1, 7)]
    assert periods.months_in("2026-S2") == [f"2026-{m:02d}" for m in range(7, 13)]
    assert periods.kind_of("2026-S2") == "semester" and periods.previous("2026-S1") == "2025-S2"
    assert periods.previous("2026-S2") == "2026-S1"
    assert periods.semester_of("2026-06") == "2026-S1" and periods.of_kind("2026-07", "semester") == "2026-S2"
    assert periods.ANY.match("2026-S2") and not periods.ANY.match("2026-S3") and not periods.ANY.match("2026-S0")


@pytest.mark.parametrize("period", ["1000-01", "1000-Q1", "1000-S1", "1000"])
def test_the_period_before_any_period_taken_in_is_a_period(period):
    from shared.contracts.formats import PERIOD_RE
    assert PERIOD_RE.match(period) and not PERIOD_RE.match("0000") and not PERIOD_RE.match("0999-12")
    before = periods.previous(period)
    assert periods.months_in(before)[0].startswith("0999")
