"""Signed, expiring bearer tokens with roles, shared by all services.

Tokens are JWTs (HS256) signed with the project's secret key. Claims: ``sub`` (who),
``roles`` (subset of :data:`ROLES`), optional ``nip`` (the employee behind the token) and
``unit`` (a kiosk's unit), ``aud`` (the services it is for: ``tanggap:survey``,
``tanggap:aggregator``, ``tanggap:notifier``), ``iat``, ``exp``, ``jti``. A service refuses a
token not meant for it; tokens issued before :data:`AUDIENCE_REQUIRED_FROM` carry no audience
and are accepted until they expire, any later token without one is refused. A token whose
``jti`` an admin revoked (:mod:`shared.records.token_revocations`) is refused from then on.
Every endpoint declares the roles it accepts with :func:`require`; the OpenAPI document
shows them.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast

import jwt
from flask import current_app, g, request

from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.platform.secrets import secret_key

ADMIN, EVALUATOR, SUPERVISOR, EMPLOYEE, KIOSK = "admin", "evaluator", "supervisor", "employee", "kiosk"
ROLES = (ADMIN, EVALUATOR, SUPERVISOR, EMPLOYEE, KIOSK)
ISSUER = "tanggap"
ALGORITHM = "HS256"
SERVICES = ("survey", "aggregator", "notifier")
# Tokens issued from this moment on must name their audience (earlier ones, minted without
# one, keep working until they expire: at most TANGGAP_TOKEN_TTL_SECONDS or the --ttl given).
AUDIENCE_REQUIRED_FROM = datetime(2026, 12, 2, tzinfo=UTC)


def audience(service: str) -> str:
    return f"{ISSUER}:{service}"

F = TypeVar("F", bound=Callable[..., Any])


class AuthError(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: tuple[str, ...]
    nip: str | None = None
    unit: str | None = None
    token_id: str | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def issue_token(settings: Settings, *, sub: str, roles: list[str] | tuple[str, ...], nip: str | None = None,
                unit: str | None = None, ttl_seconds: int | None = None, clock: Clock | None = None,
                token_id: str | None = None, services: list[str] | tuple[str, ...] | None = None) -> str:
    """A signed token for ``services`` (default: all three)."""
    services = tuple(dict.fromkeys(services or SERVICES))
    if set(services) - set(SERVICES):
        raise ValueError(f"services must be some of {', '.join(SERVICES)}")
    unknown = sorted(set(roles) - set(ROLES))
    if not roles or unknown:
        raise ValueError(f"roles must be some of {', '.join(ROLES)}" + (f"; unknown: {unknown}" if unknown else ""))
    if (SUPERVISOR in roles or EMPLOYEE in roles) and not nip:
        raise ValueError("supervisor and employee tokens need the employee's NIP")
    if KIOSK in roles and not unit:
        raise ValueError("kiosk tokens need the unit they are bound to")
    now = (clock or SystemClock()).now()
    claims = {"iss": ISSUER, "sub": sub, "roles": list(dict.fromkeys(roles)), "iat": int(now.timestamp()),
              "exp": int((now + timedelta(seconds=ttl_seconds or settings.token_ttl_seconds)).timestamp()),
              "jti": token_id or uuid.uuid4().hex, "aud": [audience(name) for name in services]}
    if nip:
        claims["nip"] = nip
    if unit:
        claims["unit"] = unit
    return jwt.encode(claims, secret_key(settings), algorithm=ALGORITHM)


def verify_token(settings: Settings, token: str, clock: Clock | None = None, service: str | None = None) -> Principal:
    """The token's principal; with ``service``, only if the token is meant for that service."""
    now = (clock or SystemClock()).now()
    try:
        claims = jwt.decode(token, secret_key(settings), algorithms=[ALGORITHM], issuer=ISSUER,
                            options={"require": ["exp", "iat", "sub", "iss"], "verify_exp": False,
                                     "verify_iat": False, "verify_aud": False})
    except jwt.PyJWTError as exc:
        raise AuthError(f"invalid token: {exc}") from None
    # exp is judged by the injected clock, not the machine's (which PyJWT would read); iat only
    # dates the token (the audience rule below), it does not delay it: there is no nbf
    if not all(isinstance(claims[c], int | float) and not isinstance(claims[c], bool) for c in ("exp", "iat")):
        raise AuthError("invalid token: exp and iat must be numbers")
    if claims["exp"] <= now.timestamp():
        raise AuthError("token expired")
    aud = claims.get("aud")
    names = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else None
    if aud is None:
        if claims["iat"] >= AUDIENCE_REQUIRED_FROM.timestamp():
            raise AuthError("token names no audience")
    elif names is None or not all(isinstance(n, str) for n in names):
        raise AuthError("invalid token: malformed audience")
    elif service in SERVICES and audience(service) not in names:
        raise AuthError(f"token is not meant for the {service} service")
    roles = tuple(r for r in claims.get("roles") or () if r in ROLES)
    if not roles:
        raise AuthError("token has no known role")
    return Principal(sub=str(claims["sub"]), roles=roles, nip=claims.get("nip"), unit=claims.get("unit"),
                     token_id=claims.get("jti"))


def _unauthorized(reason: str) -> ApiError:
    return ApiError(401, errors={"Authorization": [reason]},
                    headers={"WWW-Authenticate": 'Bearer realm="tanggap"'})


def authenticate() -> Principal:
    """The caller's principal from ``Authorization: Bearer``; 401 when absent or invalid."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("missing bearer token")
    ext = current_app.extensions["tanggap"]
    try:
        principal = verify_token(ext.settings, token.strip(), ext.clock, service=ext.service)
    except AuthError as exc:
        raise _unauthorized(str(exc)) from None
    from shared.records import token_revocations  # records import this module's roles
    if principal.token_id and token_revocations.is_revoked(principal.token_id):
        raise _unauthorized("token revoked")
    g.principal = principal
    return principal


def require(*roles: str) -> Callable[[F], F]:
    """Decorator: the view accepts only callers holding one of ``roles`` (401 / 403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate()
            if not principal.has(*roles):
                raise ApiError(403, errors={"Authorization": [f"requires role: {' or '.join(roles)}"]})
            return view(*args, **kwargs)

        doc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(doc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        manual["x-roles"] = list(roles)
        doc["manual_doc"] = manual
        marked: Any = wrapper  # function attributes, read by flask-smorest and the endpoint tests
        marked._apidoc = doc
        marked._tanggap_roles = tuple(roles)
        return cast(F, wrapper)

    return decorator


def public(view: F) -> F:
    """Marks a view as deliberately open to anyone (documented, and checked by a test)."""
    marked: Any = view
    marked._tanggap_roles = ("public",)
    return view


def principal() -> Principal:
    who: Principal = g.principal
    return who
