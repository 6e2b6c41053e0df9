"""Admin pages for web logins (admins only, login): the list with a search, create (a temporary
password shown once), change roles, NIP and unit, disable and enable (effective at the user's
next request), reset a password, see and end sessions, and every revision's history."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from shared.contracts.formats import CODE, NIP, USERNAME, WholeRegexp
from shared.platform import forms
from shared.platform.auth import ADMIN
from shared.platform.errors import ApiError
from shared.platform.webauth import login_required
from shared.records import web_sessions
from shared.records.directory import Employee
from shared.records.users import WebUser

from services.survey.directory import accounts

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users", template_folder="../templates")


class AccountIn(Schema):
    """A login as an admin edits it (the username only when it is created)."""

    username = fields.String(validate=WholeRegexp(USERNAME, error="huruf kecil, angka, . _ atau -, 3-64 karakter / "
                                                                      "lower-case letters, digits, . _ or -, 3-64 "
                                                                      "characters"))
    roles = fields.List(fields.String(validate=validate.OneOf(accounts.WEB_ROLES)), required=True,
                        validate=validate.Length(min=1, max=len(accounts.WEB_ROLES),
                                                 error="pilih sedikitnya satu peran / choose at least one role"))
    nip = fields.String(allow_none=True, validate=WholeRegexp(NIP, error="NIP harus 18 digit / NIP must be 18 "
                                                                             "digits"))
    unit = fields.String(allow_none=True, validate=WholeRegexp(CODE, error="kode tidak valid / invalid code"))


FIELDS = ("username", "nip", "unit")


def _read(*, new: bool) -> dict[str, Any]:
    allowed = (*FIELDS, "roles", "csrf_token") if new else ("nip", "unit", "roles", "csrf_token")
    unknown = sorted(k for k in request.form if k not in allowed)
    if unknown:
        raise ValidationError({"_form": ["isian tidak dikenal / unknown field"]})
    data: dict[str, Any] = {k: (request.form.get(k, "").strip() or None) for k in allowed[:-2] if k in request.form}
    data["roles"] = sorted(set(request.form.getlist("roles")))
    if new:
        data["username"] = (data.get("username") or "").lower()
        if not data["username"]:
            raise ValidationError({"username": ["wajib diisi / required"]})
    loaded: dict[str, Any] = AccountIn().load(data)
    return loaded


def _now():
    return current_app.extensions["tanggap"].clock.now()


def _no_store(page):
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"   # a page that shows a temporary password
    return response


@bp.route("", methods=["GET", "POST"])
@login_required(ADMIN)
def users():
    errors: dict[str, str] = {}
    status, created = 200, None
    if request.method == "POST":
        try:
            user, password = accounts.create(_read(new=True), by=forms.by(), now=_now())
            created, status = {"username": user.username, "password": password}, 201
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), (exc.status if isinstance(exc, ApiError) else 422)
    q = (request.args.get("q") or "").strip().lower()[:100]
    role = request.args.get("role") if request.args.get("role") in accounts.WEB_ROLES else None
    names = {e.nip: e.name for e in Employee.heads()}
    rows = []
    for user in WebUser.heads():
        if role and role not in user.roles:
            continue
        if q and q not in user.username and q not in (user.nip or "") and q not in names.get(user.nip, "").lower():
            continue
        rows.append({"user": user, "name": names.get(user.nip)})
    return _no_store((render_template("survey/admin/users.html", rows=rows, errors=errors, created=created, q=q,
                                      role=role, roles=accounts.WEB_ROLES,
                                      form=request.form if errors else {}), status))


@bp.route("/<username>", methods=["GET", "POST"])
@login_required(ADMIN)
def user(username):
    current = WebUser.head(username)
    if current is None:
        return forms.error_page(ApiError(404, "Pengguna tidak ditemukan", "User not found"))
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            accounts.change(username, _read(new=False), by=forms.by(), now=_now())
            return redirect(url_for("admin_users.user", username=username, done="saved"))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    return _page(current, errors=errors, status=status)


def _page(current: WebUser, *, errors: dict[str, str] | None = None, status: int = 200, password: str | None = None):
    employee = Employee.head(current.nip) if current.nip else None
    return _no_store((render_template(
        "survey/admin/user.html", account=current, employee=employee, errors=errors or {}, roles=accounts.WEB_ROLES,
        form=request.form if errors else {}, history=accounts.history(current.username), password=password,
        sessions=web_sessions.listing(current.username, _now())[:20], done=request.args.get("done"),
        me=forms.by()), status))


@bp.route("/<username>/<action>", methods=["POST"])
@login_required(ADMIN)
def user_action(username, action):
    """disable, enable, reset-password, end-sessions."""
    if action not in ("disable", "enable", "reset-password", "end-sessions") or WebUser.head(username) is None:
        return forms.error_page(ApiError(404, "Tidak ditemukan", "Not found"))
    try:
        if action == "reset-password":
            password = accounts.reset_password(username, by=forms.by(), now=_now())
            current = WebUser.head(username)
            assert current is not None
            return _page(current, password=password)
        if action == "end-sessions":
            web_sessions.end_all(username, now=_now(), reason="ended by an administrator", by=forms.by())
        else:
            accounts.set_active(username, action == "enable", by=forms.by(), now=_now())
    except ApiError as err:
        return forms.error_page(err)
    return redirect(url_for("admin_users.user", username=username, done=action))
