"""The supervisor inbox API: own team's coaching cases, acknowledgement, dialogue, resolution,
notification preferences. Supervisors see their own team only (403 otherwise); admins see all."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from shared.platform.auth import ADMIN, SUPERVISOR, principal, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict

from services.notifier import inbox, notify
from services.notifier.channels import addresses
from services.notifier.models import Delivery, NotificationPreferences
from services.notifier.schemas import (
    AcknowledgeIn,
    ActionOut,
    CaseOut,
    CaseQuery,
    CaseSummaryOut,
    DialogueIn,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    ResolveIn,
)

blp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox",
                description="Kotak masuk atasan / supervisor inbox: coaching cases of your own team")


def _ext():
    return current_app.extensions["tanggap"]


def _action(done) -> tuple[dict, int, dict]:
    ext = _ext()
    case, state = inbox.get(done.entry.case_id, principal())
    body = {"case": inbox.describe(ext.settings, case, state), "replayed": not done.created,
            "entry": {"seq": done.entry.seq, "kind": done.entry.kind, "at": done.entry.at, "by": done.entry.by,
                      "to_nip": done.entry.to_nip, "data": done.entry.data}}
    return body, (201 if done.created else 200), ({} if done.created else {"Idempotent-Replayed": "true"})


@blp.route("/cases", methods=["GET"])
@require(SUPERVISOR, ADMIN)
@blp.arguments(CaseQuery, location="query")
@blp.response(200, CaseSummaryOut(many=True))
def list_cases(query):
    """Cases of the caller's team (admin: all), newest first; ``status`` filters."""
    return inbox.listing(_ext().settings, principal(), query.get("status"))


@blp.route("/cases/<case_id>", methods=["GET"])
@require(SUPERVISOR, ADMIN)
@blp.response(200, CaseOut)
@refuses(blp, 403, "not a case of the caller's team")
@refuses(blp, 404, "no case with this id")
def get_case(case_id):
    case, state = inbox.get(case_id, principal())
    return inbox.describe(_ext().settings, case, state)


@blp.route("/cases/<case_id>/acknowledge", methods=["POST"])
@require(SUPERVISOR, ADMIN)
@blp.arguments(AcknowledgeIn, required=False)  # every field is optional: no body is {}
@blp.response(201, ActionOut)
@blp.alt_response(200, schema=ActionOut, description="already acknowledged by you: the earlier result")
@refuses(blp, 403, "not a case of the caller's team")
@refuses(blp, 404, "no case with this id")
@refuses(blp, 409, "acknowledged by someone else, resolved, or escalated meanwhile")
def acknowledge(data, case_id):
    """Acknowledge the case (once). Send ``level`` to be refused if it was escalated meanwhile."""
    return _action(inbox.acknowledge(case_id, principal(), _ext().clock.now(), data.get("level")))


@blp.route("/cases/<case_id>/dialogues", methods=["POST"])
@require(SUPERVISOR, ADMIN)
@blp.arguments(DialogueIn)
@blp.response(201, ActionOut)
@refuses(blp, 403, "not a case of the caller's team")
@refuses(blp, 404, "no case with this id")
@refuses(blp, 409, "not acknowledged yet, or already resolved")
@refuses(blp, 422, "a follow-up date before the dialogue's date")
def add_dialogue(data, case_id):
    """Record a coaching dialogue: date, notes, agreed actions, follow-up date."""
    return _action(inbox.add_dialogue(case_id, principal(), _ext().clock.now(), data))


@blp.route("/cases/<case_id>/resolve", methods=["POST"])
@require(SUPERVISOR, ADMIN)
@blp.arguments(ResolveIn, required=False)  # every field is optional: no body is {}
@blp.response(201, ActionOut)
@blp.alt_response(200, schema=ActionOut, description="already resolved by you: the earlier result")
@refuses(blp, 403, "not a case of the caller's team")
@refuses(blp, 404, "no case with this id")
@refuses(blp, 409, "not acknowledged, no dialogue recorded, or resolved by someone else")
def resolve(data, case_id):
    """Resolve the case; the answer links to the employee's indicator trend."""
    return _action(inbox.resolve(case_id, principal(), _ext().clock.now(), data.get("notes")))


@blp.route("/notifications", methods=["GET"])
@require(SUPERVISOR, ADMIN)
@blp.response(200, NotificationOut(many=True))
def notifications():
    """The caller's in-app notifications, newest first (at most 200)."""
    who = principal()
    key = notify.ADMIN_RECIPIENT if who.has(ADMIN) and not who.nip else who.nip
    return list(Delivery.objects(channel="inbox", recipient=key).order_by("-created_at").limit(200))


def _prefs_body(nip: str) -> dict:
    doc = NotificationPreferences.head(nip)
    if doc is None:
        return {"nip": nip, "email": True, "webhook": True, "webhook_url": None, "webhook_secret_set": False,
                "quiet_start": None, "quiet_end": None, "digest": False, "rev": None}
    return {"nip": nip, "email": doc.email, "webhook": doc.webhook, "webhook_url": doc.webhook_url,
            "webhook_secret_set": bool(doc.webhook_secret), "quiet_start": doc.quiet_start,
            "quiet_end": doc.quiet_end, "digest": doc.digest, "rev": doc.rev}


def _check_webhook(url: str) -> None:
    """422 unless every address of the URL's host is public (or the operator allows the host)."""
    settings = _ext().settings
    try:
        addresses.check(url, addresses.Allowlist.parse(settings.webhook_allowed_hosts),
                        current_app.extensions["notifier_resolver"])
    except addresses.Refused as exc:
        raise ApiError(422, "Alamat webhook ditolak", "The webhook address is refused", code="address_refused",
                       errors={"webhook_url": [str(exc)]}) from None


def _own_nip() -> str:
    nip = principal().nip
    if not nip:
        raise ApiError(422, "Token tidak memuat NIP", "The token carries no NIP", errors={"nip": ["required"]})
    return nip


@blp.route("/preferences", methods=["GET"])
@require(SUPERVISOR)
@blp.response(200, PreferencesOut)
@refuses(blp, 422, "a token without a NIP")
def get_preferences():
    """Your channels, quiet hours and digest choice (the webhook secret is never shown)."""
    return _prefs_body(_own_nip())


@blp.route("/preferences", methods=["PUT"])
@require(SUPERVISOR)
@blp.arguments(PreferencesIn, required=False)  # every field is optional: no body is {}
@blp.response(200, PreferencesOut)
@refuses(blp, 422, "a token without a NIP, a personal webhook without its secret, or one whose host is not "
                   "public (loopback, private, link-local, ...; see the README's security section)")
@refuses(blp, 409, "changed concurrently: send it again")
def put_preferences(data):
    """Set your preferences (a new revision). Leaving ``webhook_secret`` out keeps the stored one."""
    nip = _own_nip()
    current = NotificationPreferences.head(nip)
    values = {"email": data["email"], "webhook": data["webhook"], "webhook_url": data.get("webhook_url"),
              "quiet_start": data.get("quiet_start"), "quiet_end": data.get("quiet_end"), "digest": data["digest"]}
    if data.get("webhook_secret"):
        values["webhook_secret"] = data["webhook_secret"]
    elif not data.get("webhook_url"):
        values["webhook_secret"] = None
    elif not (current and current.webhook_secret):
        raise ApiError(422, errors={"webhook_secret": ["webhook sendiri memerlukan kunci / "
                                                       "your own webhook needs a secret"]})
    if data.get("webhook_url"):
        _check_webhook(data["webhook_url"])
    try:
        NotificationPreferences.save_revision(nip, values, at=_ext().clock.now(), by=principal().sub)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"nip": [str(exc)]}) from None
    return _prefs_body(nip)
