"""Timing rules of deliveries: quiet hours, retry backoff with jitter, digest days, signatures.

Pure functions over values passed in (times, random numbers), unit-tested at the boundaries.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SIGNATURE_HEADER = "X-Tanggap-Signature"


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, tz: str, start: str | None, end: str | None) -> datetime | None:
    """When the quiet hours around ``now`` end (UTC), or None when ``now`` is not in them.

    ``start``/``end`` are local ``HH:MM``; a window may wrap midnight (22:00-06:00); equal
    values mean no quiet hours. The end is exclusive.
    """
    if not start or not end or start == end:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    s, e = _hhmm(start), _hhmm(end)
    t = local.time()
    if s < e:
        inside = s <= t < e
        end_day = local.date()
    else:  # wraps midnight
        inside = t >= s or t < e
        end_day = local.date() + timedelta(days=1) if t >= s else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, e, tzinfo=zone).astimezone(now.tzinfo)


def retry_delay(attempt_no: int, base_s: float, max_s: float, rand: float) -> timedelta:
    """Delay after failed attempt ``attempt_no`` (1 = the first): exponential with equal jitter.

    The uncapped delay doubles per attempt (base, 2*base, 4*base, ...) up to ``max_s``; the
    actual delay is half of it plus ``rand`` (0 <= rand < 1) times the other half, so
    retries of many deliveries failing together spread out instead of arriving at once.
    """
    if attempt_no < 1:
        raise ValueError("attempt numbers start at 1")
    capped = min(max_s, base_s * (2 ** (attempt_no - 1)))
    return timedelta(seconds=capped / 2 + rand * capped / 2)


def local_day(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def digest_due(day: date, now: datetime, tz: str, digest_hour: int) -> bool:
    """The digest of local ``day`` is mailed from ``digest_hour`` on the next local day."""
    local = now.astimezone(ZoneInfo(tz))
    send_from = datetime.combine(day + timedelta(days=1), time(digest_hour), tzinfo=ZoneInfo(tz))
    return local >= send_from


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body: the value of :data:`SIGNATURE_HEADER` after ``sha256=``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    scheme, _, value = (header or "").partition("=")
    return scheme == "sha256" and hmac.compare_digest(value, sign(secret, body))


def next_attempt(status: str, next_at: datetime | None, last: tuple[int, str, datetime, datetime | None] | None,
                 now: datetime, max_attempts: int, in_flight: timedelta) -> int | None:
    """The number of the attempt a dispatcher may claim now, or None: not this delivery, not now.

    ``status``/``next_at`` are the delivery's latest state; ``last`` is its latest attempt as
    ``(no, outcome, at, retry_at)``. A delivery is attempted only while pending or retrying
    and due; never after an attempt that was sent; after a failed one only once its retry
    time has come and attempts are left; while one is being sent only when that send is older
    than ``in_flight`` (its dispatcher died: the interrupted attempt is not counted against
    ``max_attempts``, so the delivery is still tried, and dies, like any other). Whoever
    holds an older view than this asks for a number already taken, and the unique
    ``(delivery, no)`` claim refuses it.
    """
    if status not in ("pending", "retrying") or (next_at is not None and next_at > now):
        return None
    if last is None:
        return 1
    no, outcome, at, retry_at = last
    if outcome == "sending":  # cut short is not a try: the next one goes out even past the limit
        return no + 1 if at <= now - in_flight else None
    if outcome == "sent" or no >= max_attempts:
        return None
    if retry_at is None or retry_at > now:
        return None
    return no + 1
