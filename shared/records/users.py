"""People who log in to the web pages (supervisors, evaluators, admins).

Passwords are hashed with Argon2id (argon2-cffi). Users are revisioned records like the rest
of the directory; roles are the API's roles.
"""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from mongoengine import BooleanField, ListField, StringField

from shared.contracts.formats import CODE, NIP, USERNAME
from shared.platform.auth import ROLES
from shared.platform.revisions import Revisioned

_hasher = PasswordHasher()
# A real hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY = _hasher.hash("tanggap-no-such-user")
MIN_PASSWORD = 10


class WebUser(Revisioned):
    KEY = "username"
    meta = {"collection": "web_users", "indexes": [{"fields": ["username", "rev"], "unique": True}, "superseded"]}
    username = StringField(required=True, regex=USERNAME)
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
