"""Server-side web sessions: the cookie carries only a random session key; the session is a
record looked up on every request, so it can be ended at once.

Both collections are insert only (every gunicorn worker of every service writes them, none
updates): a login inserts a :class:`WebSession`; logout, ``tanggap user disable`` and an
admin insert a :class:`WebSessionEnd` (unique per session, so ending twice is harmless).
A request is served only while its session exists, has not expired, has no end record and
its user is still active; the user's roles, NIP and unit are read from the user's current
revision on every request, never from the cookie.

The database holds a keyed hash of the session key, never the key itself, and a public
``id`` (a different random value) by which admins list and end sessions.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mongoengine import DateTimeField, Document, StringField
from mongoengine.errors import NotUniqueError

from shared.records.users import WebUser


class WebSession(Document):
    meta = {"collection": "web_sessions", "indexes": [{"fields": ["key_hash"], "unique": True},
                                                       {"fields": ["sid"], "unique": True}, ("username", "created")]}
    key_hash = StringField(required=True)
    sid = StringField(required=True)
    username = StringField(required=True)
    service = StringField(required=True)
    created = DateTimeField(required=True)
    expires = DateTimeField(required=True)


class WebSessionEnd(Document):
    meta = {"collection": "web_session_ends", "indexes": [{"fields": ["sid"], "unique": True}, "username"]}
    sid = StringField(required=True)
    username = StringField(required=True)
    at = DateTimeField(required=True)
    reason = StringField(required=True)
    by = StringField(required=True)


@dataclass(frozen=True)
class Current:
    """The session of a request, with the user's current revision."""

    sid: str
    user: WebUser


def _hash(secret: str, key: str) -> str:
    return hmac.new(secret.encode(), b"web-session\x1f" + key.encode(), hashlib.sha256).hexdigest()


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def start(secret: str, username: str, *, service: str, now: datetime, lifetime: timedelta) -> str:
    """A new session for ``username``; returns the key to put in the cookie."""
    key = secrets.token_urlsafe(32)
    WebSession(key_hash=_hash(secret, key), sid=secrets.token_hex(8), username=username, service=service,
               created=now, expires=now + lifetime).save(force_insert=True)
    return key


def current(secret: str, key: str | None, now: datetime) -> Current | None:
    """The live session of ``key`` and its active user, or None."""
    if not key or len(key) > 100:
        return None
    found = WebSession._get_collection().find_one({"key_hash": _hash(secret, key)},
                                                  {"sid": 1, "username": 1, "expires": 1})
    if found is None or _utc(found["expires"]) <= _utc(now):
        return None
    if WebSessionEnd._get_collection().find_one({"sid": found["sid"]}, {"_id": 1}) is not None:
        return None
    user = WebUser.head(found["username"])
    if user is None or not user.active:
        return None
    return Current(sid=found["sid"], user=user)


def end(sid: str, username: str, *, now: datetime, reason: str, by: str) -> bool:
    """End one session; False when it had already ended."""
    try:
        WebSessionEnd(sid=sid, username=username, at=now, reason=reason, by=by).save(force_insert=True)
    except NotUniqueError:
        return False
    return True


def listing(username: str, now: datetime) -> list[dict[str, Any]]:
    """A user's sessions, newest first: id, service, created, expires, and whether and how
    each ended (``state``: active, expired or ended)."""
    sessions = list(WebSession._get_collection().find({"username": username},
                                                      {"_id": 0, "sid": 1, "service": 1, "created": 1, "expires": 1}))
    ends = {e["sid"]: e for e in WebSessionEnd._get_collection().find({"username": username},
                                                                     {"_id": 0, "sid": 1, "at": 1, "reason": 1})}
    rows = []
    for s in sorted(sessions, key=lambda s: _utc(s["created"]), reverse=True):
        ended = ends.get(s["sid"])
        state = "ended" if ended else ("expired" if _utc(s["expires"]) <= _utc(now) else "active")
        rows.append({"id": s["sid"], "service": s["service"], "created": _utc(s["created"]),
                     "expires": _utc(s["expires"]), "state": state,
                     "ended": _utc(ended["at"]) if ended else None, "reason": ended["reason"] if ended else None})
    return rows


def end_all(username: str, *, now: datetime, reason: str, by: str) -> int:
    """End every session of ``username`` not ended yet (expired ones too: harmless, and
    safe against clocks that disagree); returns how many were ended."""
    return sum(end(row["id"], username, now=now, reason=reason, by=by)
               for row in listing(username, now) if row["state"] != "ended")


def end_one(username: str, sid: str, *, now: datetime, by: str) -> bool | None:
    """End one of ``username``'s sessions: True if ended now, False if it was not live,
    None if the user has no such session."""
    row = next((r for r in listing(username, now) if r["id"] == sid), None)
    if row is None:
        return None
    if row["state"] != "active":
        return False
    return end(sid, username, now=now, reason="ended by an administrator", by=by)
