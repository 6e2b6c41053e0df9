"""Operations views for admins."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.platform.auth import ADMIN, principal, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.records.responses import Response

from services.survey.outbox import held
from services.survey.schemas import BacklogOut

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Operations (admin)")


@blp.route("/outbox", methods=["GET"])
@require(ADMIN)
@blp.response(200, BacklogOut)
def outbox_backlog():
    """The relay's backlog: responses stored but not yet published, and the events it holds
    because Kafka refused them for good (each with the reason), oldest first."""
    waiting = {"published": False, "held": {"$ne": True}}
    coll = Response._get_collection()
    oldest = next(iter(coll.find(waiting, {"received_at": 1}).sort("received_at", 1).limit(1)), None)
    return {"pending": coll.count_documents(waiting),
            "oldest_pending_at": oldest["received_at"].isoformat() if oldest else None,
            "published": coll.count_documents({"published": True}),
            "held": held.listing()}


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
