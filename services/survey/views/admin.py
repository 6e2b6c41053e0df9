"""Operations views for admins."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.contracts.formats import WholeRegexp
from shared.platform.auth import ADMIN, principal, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.records import token_revocations, web_sessions
from shared.records.users import WebUser

from services.survey.outbox import held
from services.survey.schemas import BacklogOut

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Operations (admin)")


@blp.route("/outbox", methods=["GET"])
@require(ADMIN)
@blp.response(200, BacklogOut)
def outbox_backlog():
    """The relay's backlog: responses stored but not yet published, and the events it holds
    because Kafka refused them for good (each with the reason), oldest first."""
    return held.backlog()


class DecisionOut(Schema):
    id = fields.String()
    response_id = fields.String()
    action = fields.String(validate=validate.OneOf(["release", "discard"]))
    by = fields.String()
    at = fields.DateTime()


def _decide(response_id: str, action: str) -> dict:
    try:
        return held.decide(response_id, action, by=principal().sub, at=current_app.extensions["tanggap"].clock.now())
    except held.NotHeld:
        raise ApiError(404, errors={"response_id": ["tidak ada event tertahan dengan id ini / no held event with "
                                                    "this id"]}) from None


@blp.route("/outbox/held/<response_id>/release", methods=["POST"])
@require(ADMIN)
@blp.response(201, DecisionOut)
@refuses(blp, 404, "no held (and not discarded) event with this response id")
def release_held(response_id):
    """Send a held event again (after its cause is fixed, e.g. the topic takes larger
    records now). The relay applies the decision on its next round; refused again, it is
    held again."""
    return _decide(response_id, "release")


@blp.route("/outbox/held/<response_id>/discard", methods=["POST"])
@require(ADMIN)
@blp.response(201, DecisionOut)
@refuses(blp, 404, "no held (and not discarded) event with this response id")
def discard_held(response_id):
    """Never send a held event (the response stays stored, unpublished)."""
    return _decide(response_id, "discard")


class SessionOut(Schema):
    id = fields.String(metadata={"description": "the session's public id (not its key)"})
    service = fields.String(metadata={"description": "the service whose login page started it"})
    created = fields.DateTime()
    expires = fields.DateTime()
    state = fields.String(validate=validate.OneOf(["active", "expired", "ended"]))
    ended = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class EndedOut(Schema):
    ended = fields.Integer(metadata={"description": "how many live sessions were ended"})


def _user(username: str) -> str:
    if WebUser.head(username) is None:
        raise ApiError(404, errors={"username": ["tidak ada pengguna ini / no such user"]})
    return username


@blp.route("/users/<username>/sessions", methods=["GET"])
@require(ADMIN)
@blp.response(200, SessionOut(many=True))
@refuses(blp, 404, "no such user")
def user_sessions(username):
    """A web login's sessions, newest first, live or not (ended ones with the reason)."""
    return web_sessions.listing(_user(username), current_app.extensions["tanggap"].clock.now())


@blp.route("/users/<username>/sessions/end", methods=["POST"])
@require(ADMIN)
@blp.response(200, EndedOut)
@refuses(blp, 404, "no such user")
def end_user_sessions(username):
    """End every live session of a user at once (their next page asks them to log in)."""
    now = current_app.extensions["tanggap"].clock.now()
    return {"ended": web_sessions.end_all(_user(username), now=now, reason="ended by an administrator",
                                          by=principal().sub)}


@blp.route("/users/<username>/sessions/<session_id>/end", methods=["POST"])
@require(ADMIN)
@blp.response(200, EndedOut)
@refuses(blp, 404, "no such user, or the user has no session with this id")
def end_user_session(username, session_id):
    """End one session of a user; ``ended`` is 0 when it was no longer live."""
    now = current_app.extensions["tanggap"].clock.now()
    done = web_sessions.end_one(_user(username), session_id, now=now, by=principal().sub)
    if done is None:
        raise ApiError(404, errors={"session_id": ["tidak ada sesi ini / no such session"]})
    return {"ended": int(done)}


class RevocationIn(Schema):
    id = fields.String(required=True, validate=WholeRegexp(r"^[A-Za-z0-9_-]{1,64}$"),
                       metadata={"description": "the token's id (its jti claim)"})
    reason = fields.String(validate=validate.Length(max=500))


class RevocationOut(Schema):
    id = fields.String()
    at = fields.DateTime()
    by = fields.String()
    reason = fields.String(allow_none=True)
    expires = fields.DateTime(allow_none=True)


@blp.route("/tokens/revocations", methods=["POST"])
@require(ADMIN)
@blp.arguments(RevocationIn)
@blp.response(201, RevocationOut)
@blp.alt_response(200, schema=RevocationOut, description="the token id was already revoked")
def revoke_token(values):
    """Revoke an API token by its id: every service refuses it within seconds
    (``token_revocations.REFRESH_SECONDS``)."""
    now = current_app.extensions["tanggap"].clock.now()
    created = token_revocations.revoke(values["id"], now=now, by=principal().sub, reason=values.get("reason"))
    row = next(r for r in token_revocations.listing() if r["id"] == values["id"])
    return row, 201 if created else 200


@blp.route("/tokens/revocations", methods=["GET"])
@require(ADMIN)
@blp.response(200, RevocationOut(many=True))
def revoked_tokens():
    """The revoked token ids, newest first."""
    return token_revocations.listing()
