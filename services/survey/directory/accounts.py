"""Web logins managed by an admin: create, change roles, NIP and unit, disable and enable,
reset a password. Each change is a new revision of the user (the password hash is never shown);
disabling or resetting ends the user's sessions, and a disabled user is refused at the next
request (every request reads the user's current revision)."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from shared.platform.auth import ADMIN, EMPLOYEE, EVALUATOR, SUPERVISOR
from shared.platform.errors import ApiError
from shared.records import web_sessions
from shared.records.directory import Employee, Unit
from shared.records.users import WebUser, hash_password

WEB_ROLES = (ADMIN, EVALUATOR, SUPERVISOR, EMPLOYEE)   # a kiosk is a device with a token, not a login
NEEDS_NIP = (SUPERVISOR, EMPLOYEE)
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i: read aloud or copied by hand


def temporary_password() -> str:
    """A random password to hand to the user: four groups of four (about 79 bits)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def _check(data: dict[str, Any], *, by: str, username: str) -> None:
    roles = data.get("roles") or []
    errors: dict[str, list[str]] = {}
    if any(r in NEEDS_NIP for r in roles) and not data.get("nip"):
        errors["nip"] = ["NIP wajib untuk atasan dan pegawai / supervisors and employees need a NIP"]
    elif data.get("nip") and Employee.head(data["nip"]) is None:
        errors["nip"] = ["pegawai dengan NIP ini tidak ada di direktori / no employee with this NIP in the directory"]
    if data.get("unit") and Unit.head(data["unit"]) is None:
        errors["unit"] = ["unit tidak dikenal / unknown unit"]
    if username == by and ADMIN not in roles:
        errors["roles"] = ["Anda tidak dapat mencabut peran admin Anda sendiri / you cannot remove your own admin role"]
    if errors:
        raise ApiError(422, errors=errors)


def create(data: dict[str, Any], *, by: str, now: datetime) -> tuple[WebUser, str]:
    """A new login with a temporary password (returned once, to give to the user)."""
    username = data["username"]
    if WebUser.head(username) is not None:
        raise ApiError(409, "Nama pengguna sudah dipakai", "The user name is taken",
                       errors={"username": ["sudah dipakai / already taken"]})
    _check(data, by=by, username=username)
    password = temporary_password()
    user, _ = WebUser.save_revision(username, {"password_hash": hash_password(password), "roles": data["roles"],
                                               "nip": data.get("nip"), "unit": data.get("unit"), "active": True,
                                               "must_change_password": True},
                                    at=now, by=by)
    return user, password


def change(username: str, data: dict[str, Any], *, by: str, now: datetime) -> WebUser:
    """New roles, NIP and unit for an existing login (read again at the user's next request)."""
    if WebUser.head(username) is None:
        raise ApiError(404, errors={"username": ["tidak ada pengguna ini / no such user"]})
    _check(data, by=by, username=username)
    user, _ = WebUser.save_revision(username, {"roles": data["roles"], "nip": data.get("nip"),
                                               "unit": data.get("unit")}, at=now, by=by)
    return user


def set_active(username: str, active: bool, *, by: str, now: datetime) -> int:
    """Enable or disable a login; disabling ends its sessions. Returns the sessions ended."""
    if WebUser.head(username) is None:
        raise ApiError(404, errors={"username": ["tidak ada pengguna ini / no such user"]})
    if username == by and not active:
        raise ApiError(422, errors={"username": ["Anda tidak dapat menonaktifkan diri sendiri / you cannot disable "
                                                 "yourself"]})
    WebUser.save_revision(username, {"active": active}, at=now, by=by)
    return 0 if active else web_sessions.end_all(username, now=now, reason="user disabled", by=by)


def reset_password(username: str, *, by: str, now: datetime) -> str:
    """A new temporary password; the old one stops working and every session ends."""
    if WebUser.head(username) is None:
        raise ApiError(404, errors={"username": ["tidak ada pengguna ini / no such user"]})
    password = temporary_password()
    WebUser.save_revision(username, {"password_hash": hash_password(password), "must_change_password": True},
                          at=now, by=by)
    web_sessions.end_all(username, now=now, reason="password reset", by=by)
    return password


def history(username: str) -> list[dict[str, Any]]:
    """Every revision, newest first, without the password hash (only whether it changed)."""
    revs = list(WebUser.objects(username=username).order_by("rev"))
    out, previous = [], None
    for rev in revs:
        out.append({"rev": rev.rev, "at": rev.changed_at, "by": rev.changed_by, "roles": list(rev.roles),
                    "nip": rev.nip, "unit": rev.unit, "active": rev.active,
                    "password_changed": previous is not None and previous.password_hash != rev.password_hash})
        previous = rev
    return list(reversed(out))
