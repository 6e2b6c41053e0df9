"""Operations pages of the admin console (admins only, login): the relay's backlog with the
events Kafka refused for good (release or discard each, as ``/api/v1/admin/outbox`` does), and
API token revocations (revoke a token by its id, the list of revoked ids). Forms are read by the
API's schemas and decided by the API's functions."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.platform import forms
from shared.platform.auth import ADMIN
from shared.platform.errors import ApiError
from shared.platform.webauth import login_required
from shared.records import token_revocations

from services.survey.outbox import held
from services.survey.views.admin import RevocationIn

bp = Blueprint("admin_operations", __name__, url_prefix="/admin", template_folder="../templates")


def _now() -> datetime:
    now: datetime = current_app.extensions["tanggap"].clock.now()
    return now


@bp.route("/outbox")
@login_required(ADMIN)
def outbox():
    state = held.backlog()
    oldest = datetime.fromisoformat(state["oldest_pending_at"]) if state["oldest_pending_at"] else None
    return render_template("survey/admin/outbox.html", state=state, oldest=oldest,
                           decided=request.args.get("decided"), action=request.args.get("action"))


@bp.route("/outbox/<response_id>/<action>", methods=["POST"])
@login_required(ADMIN)
def outbox_decide(response_id, action):
    """Release a held event (the relay sends it again) or discard it (never sent)."""
    if action not in ("release", "discard"):
        return forms.error_page(ApiError(404, "Tidak ditemukan", "Not found"))
    try:
        forms.values(())
        held.decide(response_id, action, by=forms.by(), at=_now())
    except ValidationError as exc:
        return forms.error_page(ApiError(422, errors={k: [v] for k, v in forms.messages(exc).items()}))
    except held.NotHeld:
        return forms.error_page(ApiError(404, "Tidak ada kiriman tertahan ini", "No such held event"))
    return redirect(url_for("admin_operations.outbox", decided=response_id, action=action) + "#held")


@bp.route("/tokens", methods=["GET", "POST"])
@login_required(ADMIN)
def tokens():
    errors: dict[str, str] = {}
    status = 200
    revoked = None
    if request.method == "POST":
        try:
            values = RevocationIn().load(forms.values(("id", "reason")))
            created = token_revocations.revoke(values["id"], now=_now(), by=forms.by(), reason=values.get("reason"))
            revoked = {"id": values["id"], "created": created}
            status = 201 if created else 200
        except ValidationError as exc:
            errors, status = forms.messages(exc), 422
    return render_template("survey/admin/tokens.html", rows=token_revocations.listing()[:500], errors=errors,
                           form=request.form if errors else {}, revoked=revoked), status
