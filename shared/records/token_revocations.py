"""Revoked API tokens, by their id (``jti``): insert only, one document per token.

Every service refuses a revoked token. Each process keeps the set of revoked ids (small:
revocations are rare) and reads it again at most every :data:`REFRESH_SECONDS`, so a revocation
holds everywhere within that time (at once in the process that recorded it) without a
database read per request.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime

from mongoengine import DateTimeField, Document, StringField
from mongoengine.errors import NotUniqueError

REFRESH_SECONDS = 2.0
_lock = threading.Lock()
_cache: dict[str, object] = {"at": None, "ids": frozenset()}


class TokenRevocation(Document):
    meta = {"collection": "token_revocations", "indexes": [{"fields": ["jti"], "unique": True}, "expires"]}
    jti = StringField(required=True, regex=r"^[A-Za-z0-9_-]{1,64}$")
    at = DateTimeField(required=True)
    by = StringField(required=True)
    reason = StringField(max_length=500)
    expires = DateTimeField()  # the token's own expiry when known; the id is kept at least until then


def revoke(jti: str, *, now: datetime, by: str, reason: str | None = None, expires: datetime | None = None) -> bool:
    """Revoke a token id; False when it already was."""
    try:
        TokenRevocation(jti=jti, at=now, by=by, reason=reason, expires=expires).save(force_insert=True)
    except NotUniqueError:
        return False
    finally:
        with _lock:
            _cache["at"] = None
    return True


def _load() -> frozenset[str]:
    # revocations are rare (a lost device, a leaked token): the whole set is small
    return frozenset(doc["jti"] for doc in TokenRevocation._get_collection().find({}, {"_id": 0, "jti": 1}))


def is_revoked(jti: str) -> bool:
    with _lock:
        loaded = _cache["at"]
        fresh = isinstance(loaded, float) and time.monotonic() - loaded < REFRESH_SECONDS
        ids = _cache["ids"]
    if not fresh:
        ids = _load()
        with _lock:
            _cache["at"], _cache["ids"] = time.monotonic(), ids
    assert isinstance(ids, frozenset)
    return jti in ids


def listing() -> list[dict[str, object]]:
    return [{"id": d["jti"], "at": d["at"], "by": d["by"], "reason": d.get("reason"), "expires": d.get("expires")}
            for d in TokenRevocation._get_collection().find({}, {"_id": 0}).sort("at", -1)]
