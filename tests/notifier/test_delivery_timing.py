"""Delivery timing rules: quiet hours, exponential backoff with jitter, digest days, signatures."""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import pytest

from services.notifier.delivery_timing import digest_due, local_day, quiet_until, retry_delay, sign, signature_matches

pytestmark = pytest.mark.unit

JKT = "Asia/Jakarta"  # UTC+7, no daylight saving


def utc(h, m=0, day=23):
    return datetime(2026, 11, day, h, m, tzinfo=UTC)


def test_no_quiet_hours_when_not_set_or_empty():
    assert quiet_until(utc(15), JKT, None, None) is None
    assert quiet_until(utc(15), JKT, "22:00", "22:00") is None


def test_overnight_quiet_hours_hold_until_the_morning():
    # 23:00 Jakarta = 16:00 UTC, inside 22:00-06:00: held until 06:00 Jakarta = 23:00 UTC the same UTC day
    assert quiet_until(utc(16), JKT, "22:00", "06:00") == utc(23)
    # 02:00 Jakarta (19:00 UTC the day before) is inside too, and ends the same local morning
    assert quiet_until(utc(19, day=22), JKT, "22:00", "06:00") == utc(23, day=22)


def test_quiet_hours_boundaries_start_inclusive_end_exclusive():
    assert quiet_until(utc(15), JKT, "22:00", "06:00") == utc(23)        # 22:00 local: starts
    assert quiet_until(utc(23), JKT, "22:00", "06:00") is None           # 06:00 local: over
    assert quiet_until(utc(14, 59), JKT, "22:00", "06:00") is None       # 21:59 local


def test_daytime_quiet_hours():
    assert quiet_until(utc(5), JKT, "12:00", "13:00") == utc(6)          # 12:00 local -> 13:00 local
    assert quiet_until(utc(6), JKT, "12:00", "13:00") is None


def test_backoff_doubles_with_equal_jitter_and_is_capped():
    assert retry_delay(1, 60, 3600, 0.0) == timedelta(seconds=30)
    assert retry_delay(1, 60, 3600, 0.999999).total_seconds() == pytest.approx(60, abs=0.001)
    assert retry_delay(2, 60, 3600, 0.5) == timedelta(seconds=90)       # 120: 60 + 0.5 * 60
    assert retry_delay(3, 60, 3600, 0.0) == timedelta(seconds=120)      # 240 / 2
    assert retry_delay(10, 60, 3600, 0.0) == timedelta(seconds=1800)    # capped at 3600, halved
    with pytest.raises(ValueError):
        retry_delay(0, 60, 3600, 0.0)


def test_digest_of_a_day_goes_out_at_the_digest_hour_of_the_next_local_day():
    day = date(2026, 11, 23)
    assert local_day(utc(18), JKT) == date(2026, 11, 24)                # 01:00 local on the 24th
    assert not digest_due(day, utc(23, day=23), JKT, 7)                  # 06:00 local on the 24th
    assert digest_due(day, utc(0, day=24), JKT, 7)                       # 07:00 local on the 24th


def test_signature_is_hex_hmac_sha256_of_the_raw_body():
    body = b'{"case_id":"c1"}'
    expected = hmac.new(b"s3cret-s3cret-s3cret", body, hashlib.sha256).hexdigest()
    assert sign("s3cret-s3cret-s3cret", body) == expected
    assert signature_matches("s3cret-s3cret-s3cret", body, "sha256=" + expected)
    assert not signature_matches("s3cret-s3cret-s3cret", body + b" ", "sha256=" + expected)
    assert not signature_matches("other-secret-other", body, "sha256=" + expected)
    assert not signature_matches("s3cret-s3cret-s3cret", body, expected)  # scheme required


# -- which attempt a dispatcher may claim (the once-only rule) --

def test_a_delivery_is_attempted_only_when_its_latest_state_allows():
    from services.notifier.delivery_timing import next_attempt
    now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    minute, flight = timedelta(minutes=1), timedelta(minutes=5)

    def may(status="pending", next_at=None, last=None, max_attempts=5):
        return next_attempt(status, next_at, last, now, max_attempts, flight)

    assert may() == 1
    assert may(next_at=now + minute) is None                                  # not yet due
    assert may(status="sent") is None and may(status="dead") is None and may(status="suppressed") is None
    assert may(last=(1, "sent", now - minute, None)) is None                  # a stale list: sent already
    assert may("retrying", now, (2, "failed", now - minute, now)) == 3        # failed, due now
    assert may("retrying", now - minute, (2, "failed", now - minute, now + minute)) is None  # failed, not due
    assert may("retrying", now, (5, "failed", now - minute, now)) is None    # no attempts left
    assert may(last=(1, "sending", now - minute, None)) is None              # someone is sending it
    assert may(last=(1, "sending", now - flight - minute, None)) == 2        # its dispatcher died
    assert may("retrying", now, (5, "sending", now - flight - minute, None)) == 6  # even the last one
