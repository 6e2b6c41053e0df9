"""Login throttling: wrong passwords counted per address, per user name, and per the pair,
before any password is hashed.

Every attempt is one inserted document (all gunicorn workers write, none updates: the
storage rule for concurrent writers). Documents go to a collection per hour,
``web_login_attempts_<YYYYMMDDHH>`` (UTC); the throttle reads the collections its window
overlaps, and buckets older than :data:`KEEP` are dropped whole, so the log never grows
and no query reads more than two hours of attempts.

Limits, each within :data:`WINDOW` (15 minutes):

* **pair** (the same user name from the same address): :data:`PAIR_FAILURES` wrong
  passwords in a row (a success clears them);
* **user name** (from any address): :data:`USER_FAILURES` wrong passwords;
* **address** (any user name, known or not): :data:`ADDRESS_FAILURES` wrong passwords.

Unknown user names count exactly like known ones, so the answer (and its timing: the
password is still verified against a dummy hash) never tells whether a name exists. Keys
are keyed hashes: the log holds neither user names nor addresses.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mongoengine.connection import get_db

from shared.platform.pseudonyms import client_of

WINDOW = timedelta(minutes=15)
KEEP = timedelta(hours=2)
PAIR_FAILURES = 5
USER_FAILURES = 10
ADDRESS_FAILURES = 20
PREFIX = "web_login_attempts_"
_indexed: set[str] = set()


@dataclass(frozen=True)
class Keys:
    pair: str
    user: str
    address: str

    def all(self) -> list[str]:
        return [self.pair, self.user, self.address]


def keys(secret: str, username: str, address: str | None) -> Keys:
    name = username.strip().lower()
    address = client_of(address)

    def h(kind: str, text: str) -> str:
        return hmac.new(secret.encode(), f"web-login\x1f{kind}\x1f{text}".encode(), hashlib.sha256).hexdigest()[:40]

    return Keys(pair=h("pair", f"{name}\x1f{address or ''}"), user=h("user", name), address=h("address", address or ""))


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def buckets(start: datetime, end: datetime) -> list[str]:
    """The hourly collections a time range overlaps, oldest first."""
    hour = _utc(start).replace(minute=0, second=0, microsecond=0)
    out = []
    while hour <= _utc(end):
        out.append(PREFIX + hour.strftime("%Y%m%d%H"))
        hour += timedelta(hours=1)
    return out


def decide(attempts: Iterable[dict[str, Any]], k: Keys, now: datetime) -> datetime | None:
    """When logins of ``k`` open again (None: not blocked), from the attempts in the window.

    Pure: ``attempts`` are ``{"key", "ok", "at"}``; unit-tested without a database.
    """
    since = _utc(now) - WINDOW
    recent = sorted((a for a in attempts if _utc(a["at"]) >= since), key=lambda a: _utc(a["at"]))
    reopen: list[datetime] = []
    pair_run: list[datetime] = []
    for a in recent:
        if a["key"] == k.pair:
            pair_run = [] if a["ok"] else pair_run + [_utc(a["at"])]
    if len(pair_run) >= PAIR_FAILURES:
        reopen.append(pair_run[-PAIR_FAILURES] + WINDOW)
    for key, limit in ((k.user, USER_FAILURES), (k.address, ADDRESS_FAILURES)):
        failures = [_utc(a["at"]) for a in recent if a["key"] == key and not a["ok"]]
        if len(failures) >= limit:
            reopen.append(failures[-limit] + WINDOW)
    return max(reopen) if reopen else None


def blocked_until(k: Keys, now: datetime) -> datetime | None:
    db = get_db()
    found: list[dict[str, Any]] = []
    for name in buckets(_utc(now) - WINDOW, now):
        found.extend(db[name].find({"key": {"$in": k.all()}, "at": {"$gte": _utc(now) - WINDOW}},
                                   {"_id": 0, "key": 1, "ok": 1, "at": 1}))
    return decide(found, k, now)


def record(k: Keys, ok: bool, now: datetime) -> None:
    """One document per key of the attempt (a success only clears the pair's run)."""
    db = get_db()
    name = PREFIX + _utc(now).strftime("%Y%m%d%H")
    if name not in _indexed:
        db[name].create_index([("key", 1), ("at", 1)])
        _indexed.add(name)
        drop_old(now)
    docs = [{"key": k.pair, "ok": ok, "at": now}]
    if not ok:
        docs += [{"key": k.user, "ok": False, "at": now}, {"key": k.address, "ok": False, "at": now}]
    db[name].insert_many(docs)


def drop_old(now: datetime) -> list[str]:
    """Drop the hourly collections older than :data:`KEEP`; returns their names."""
    db = get_db()
    oldest = PREFIX + (_utc(now) - KEEP).strftime("%Y%m%d%H")
    old = sorted(n for n in db.list_collection_names() if n.startswith(PREFIX) and n < oldest)
    for name in old:
        db.drop_collection(name)
        _indexed.discard(name)
    return old
