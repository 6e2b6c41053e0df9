"""People who log in to the web pages (supervisors, evaluators, admins).

Passwords are hashed with Argon2id (argon2-cffi). Users are revisioned records like the rest
of the directory; roles are the API's roles.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from mongoengine import BooleanField, DateTimeField, Document, ListField, StringField

from shared.contracts.formats import CODE, NIP
from shared.platform.auth import ROLES
from shared.platform.revisions import Revisioned

_hasher = PasswordHasher()
# A real hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY = _hasher.hash("tanggap-no-such-user")
MIN_PASSWORD = 10
MAX_FAILURES = 5                 # wrong passwords in a row per user name and address ...
FAILURE_WINDOW = timedelta(minutes=15)  # ... within this window block further tries until it passes


class WebUser(Revisioned):
    KEY = "username"
    meta = {"collection": "web_users", "indexes": [{"fields": ["username", "rev"], "unique": True}, "superseded"]}
    username = StringField(required=True, regex=r"^[a-z0-9][a-z0-9._-]{2,63}$")
    password_hash = StringField(required=True)
    roles = ListField(StringField(choices=ROLES), required=True)
    nip = StringField(regex=NIP)
    unit = StringField(regex=CODE)
    active = BooleanField(default=True)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def authenticate(username: str, password: str) -> WebUser | None:
    user = WebUser.head(username.strip().lower()) if username else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


class LoginAttempt(Document):
    """One web login attempt (insert only: every gunicorn worker writes, none updates).
    ``key`` is a keyed hash of the user name and the client address, so the log holds
    neither; old attempts only fall out of the window."""

    meta = {"collection": "web_login_attempts", "indexes": [("key", "at")]}
    key = StringField(required=True)
    ok = BooleanField(required=True)
    at = DateTimeField(required=True)


def attempt_key(secret: str, username: str, address: str | None) -> str:
    import hashlib
    import hmac
    message = f"web-login\x1f{username.strip().lower()}\x1f{address or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def blocked_until(key: str, now: datetime) -> datetime | None:
    """When the login of ``key`` opens again: after MAX_FAILURES failures with no success
    since, within FAILURE_WINDOW (None: not blocked)."""
    recent = sorted(LoginAttempt._get_collection().find({"key": key, "at": {"$gte": now - FAILURE_WINDOW}},
                                                        {"ok": 1, "at": 1}), key=lambda a: a["at"])
    failures: list[datetime] = []
    for attempt in recent:
        failures = [] if attempt["ok"] else failures + [attempt["at"]]
    if len(failures) < MAX_FAILURES:
        return None
    return failures[-MAX_FAILURES] + FAILURE_WINDOW


def record_attempt(key: str, ok: bool, now: datetime) -> None:
    LoginAttempt._get_collection().insert_one({"key": key, "ok": ok, "at": now})
