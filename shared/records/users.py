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
    # set with a temporary password (made by an admin): the next page after logging in asks
    # for a password of the user's own, and nothing else opens until it is set
    must_change_password = BooleanField(default=False)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


MAX_PASSWORD = 200


def password_problem(username: str, current: str, new: str, repeated: str) -> tuple[str, str] | None:
    """(field, "Bahasa Indonesia / English" message) of what is wrong with a new password."""
    if len(new) < MIN_PASSWORD:
        return "new_password", (f"paling sedikit {MIN_PASSWORD} karakter / at least {MIN_PASSWORD} characters")
    if len(new) > MAX_PASSWORD:
        return "new_password", f"paling banyak {MAX_PASSWORD} karakter / at most {MAX_PASSWORD} characters"
    if new == current:
        return "new_password", "harus berbeda dari sandi sekarang / must differ from the current password"
    if username and username.lower() in new.lower():
        return "new_password", "tidak boleh memuat nama pengguna / must not contain the user name"
    if new != repeated:
        return "repeat_password", "tidak sama dengan sandi baru / does not match the new password"
    return None


def authenticate(username: str, password: str) -> WebUser | None:
    user = WebUser.head(username.strip().lower()) if username else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user
