"""Login for the web pages: server-side sessions (the signed, HttpOnly, SameSite=Lax cookie,
Secure when configured, carries only the session key and the CSRF token;
:mod:`shared.records.web_sessions`), throttled logins (:mod:`shared.records.login_attempts`),
CSRF tokens on every form, and the API's roles, re-read from the user's record per request.

The API itself never accepts the cookie (only bearer tokens), so cookies cannot be used to
forge API calls; pages that change anything are POST forms checked for the CSRF token.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from shared.platform.auth import Principal, public
from shared.platform.i18n import t
from shared.platform.secrets import secret_key
from shared.records import login_attempts, web_sessions
from shared.records.users import authenticate

COOKIE = "tanggap_session"
F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("webauth", __name__)


def init_app(app: Flask) -> None:
    settings = app.extensions["tanggap"].settings
    app.secret_key = "web-session\x1f" + secret_key(settings)
    app.config.update(SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.secure_cookies,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours))
    app.register_blueprint(bp)
    app.jinja_env.globals.update(csrf_token=csrf_token, web_user=web_principal)
    app.before_request(_check_csrf)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


def _check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith("/api/"):
        return None
    if request.routing_exception is not None or request.endpoint is None:
        return None  # 404/405 answer as they are
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_csrf_exempt", False):
        return None
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="CSRF token missing or wrong")
    return None


def csrf_exempt(view: F) -> F:
    """For anonymous forms (citizens' survey form): there is no session a forged request could
    ride on; those endpoints are idempotent and rate-limited instead."""
    marked: Any = view
    marked._csrf_exempt = True
    return view


@dataclass(frozen=True)
class WebPrincipal(Principal):
    username: str = ""
    session_id: str = ""
    must_change_password: bool = False


def web_principal() -> WebPrincipal | None:
    """The logged-in user of this request: a live session and the user's current record."""
    if "web_principal" not in g:
        g.web_principal = None
        key = session.get("key")
        if key:
            ext = current_app.extensions["tanggap"]
            live = web_sessions.current(secret_key(ext.settings), key, ext.clock.now())
            if live is not None:
                user = live.user
                g.web_principal = WebPrincipal(sub=user.username, roles=tuple(user.roles), nip=user.nip,
                                               unit=user.unit, username=user.username, session_id=live.sid,
                                               must_change_password=bool(user.must_change_password))
    who: WebPrincipal | None = g.web_principal
    return who


def login_required(*roles: str) -> Callable[[F], F]:
    """Page decorator: redirect to the login page when not logged in, 403 without a role."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = web_principal()
            # behind a path-prefix proxy the page's own prefix belongs to where to come back to
            here = (request.script_root + request.full_path).rstrip("?")
            if who is None:
                return redirect(url_for("webauth.login", next=here))
            if who.must_change_password and request.endpoint != "webauth.password":
                return redirect(url_for("webauth.password", next=here))   # a temporary password opens nothing else
            if roles and not who.has(*roles):
                return render_template("ui/error.html", status=403,
                                       message=t("Anda tidak berhak membuka halaman ini.",
                                                 "You are not allowed to open this page.")), 403
            return view(*args, **kwargs)

        marked: Any = wrapper
        marked._tanggap_roles = tuple(roles) or ("logged-in",)
        return cast(F, wrapper)

    return decorator


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this origin, else the landing page."""
    landing = url_for("frontdoor.landing")
    if not target:
        return landing
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return landing
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    error, status = None, 200
    if request.method == "POST":
        ext = current_app.extensions["tanggap"]
        now = ext.clock.now()
        username = request.form.get("username", "")
        keys = login_attempts.keys(secret_key(ext.settings), username, request.remote_addr)
        reopens = login_attempts.blocked_until(keys, now)
        if reopens is not None:
            minutes = max(1, int((reopens - now).total_seconds() // 60) + 1)
            error = t(f"Terlalu banyak percobaan yang salah. Coba lagi dalam {minutes} menit.",
                      f"Too many wrong attempts. Try again in {minutes} minutes.")
            response = current_app.make_response((render_template("ui/login.html", error=error,
                                                                  next=request.args.get("next", "")), 429))
            response.headers["Retry-After"] = str(minutes * 60)
            return response
        user = authenticate(username, request.form.get("password", ""))
        login_attempts.record(keys, user is not None, now)
        if user is None:
            error, status = t("Nama pengguna atau kata sandi salah.", "Wrong user name or password."), 401
        else:
            session.clear()
            session.permanent = True
            session["key"] = web_sessions.start(secret_key(ext.settings), user.username, service=ext.service, now=now,
                                                lifetime=timedelta(hours=ext.settings.session_hours))
            csrf_token()
            if user.must_change_password:
                return redirect(url_for("webauth.password", next=request.args.get("next") or None))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("ui/login.html", error=error, next=request.args.get("next", "")), status


@bp.route("/akun/sandi", methods=["GET", "POST"])
@login_required()
def password() -> ResponseReturnValue:
    """Change one's own password (every logged-in user; the first page after a temporary one):
    the current password, then the new one twice. Wrong current passwords count as failed
    logins (the same throttle); the user's other sessions end."""
    from shared.records.users import WebUser, hash_password, password_problem

    who = cast(WebPrincipal, web_principal())
    ext = current_app.extensions["tanggap"]
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        now = ext.clock.now()
        unknown = [k for k in request.form if k not in ("csrf_token", "current_password", "new_password",
                                                       "repeat_password")]
        current = request.form.get("current_password", "")
        new, repeated = request.form.get("new_password", ""), request.form.get("repeat_password", "")
        keys = login_attempts.keys(secret_key(ext.settings), who.username, request.remote_addr)
        if unknown:
            errors, status = {"_form": t("isian tidak dikenal", "unknown field")}, 422
        elif login_attempts.blocked_until(keys, now) is not None:
            errors, status = {"current_password": t("Terlalu banyak percobaan yang salah. Coba lagi nanti.",
                                                    "Too many wrong attempts. Try again later.")}, 429
        elif authenticate(who.username, current) is None:
            login_attempts.record(keys, False, now)
            errors, status = {"current_password": t("Sandi sekarang salah.", "The current password is wrong.")}, 422
        elif (problem := password_problem(who.username, current, new, repeated)) is not None:
            field, message = problem
            errors, status = {field: t(*message.split(" / ", 1))}, 422
        else:
            WebUser.save_revision(who.username, {"password_hash": hash_password(new), "must_change_password": False},
                                  at=now, by=who.username)
            for row in web_sessions.listing(who.username, now):
                if row["id"] != who.session_id and row["state"] == "active":
                    web_sessions.end(row["id"], who.username, now=now, reason="password changed", by=who.username)
            target = request.args.get("next")
            return redirect(_safe_next(target) if target else url_for("frontdoor.landing", password_changed=1))
    page = current_app.make_response((render_template("ui/password.html", errors=errors,
                                                      forced=who.must_change_password,
                                                      next=request.args.get("next", "")), status))
    page.headers["Cache-Control"] = "no-store"
    return page


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    who = web_principal()
    if who is not None:
        web_sessions.end(who.session_id, who.username, now=current_app.extensions["tanggap"].clock.now(),
                         reason="logout", by=who.username)
    session.clear()
    return redirect(url_for("webauth.login"))
