"""Intake of citizen responses (anyone may submit; no account needed)."""
from __future__ import annotations

import uuid

from flask import current_app, request
from flask_smorest import Blueprint

from shared.auth import public
from shared.errors import ApiError

from .. import intake
from shared.directory import Unit

from shared.responses import Response
from ..schemas import AcceptedOut, SkmResponseIn

blp = Blueprint("responses", __name__, url_prefix="/api/v1/responses",
                description="Citizen responses (SKM). Public: anyone may submit.")


def accepted_body(doc: Response) -> dict:
    return {"id": doc.id, "status": "accepted", "unit": doc.unit, "period": doc.period,
            "received_at": doc.received_at}


@blp.route("", methods=["POST"])
@public
@blp.arguments(SkmResponseIn)
@blp.response(201, AcceptedOut)
@blp.alt_response(409, description="the id was already used with different content")
@blp.alt_response(422, description="invalid answers or unknown unit")
def submit(data):
    """Submit an SKM response for a unit.

    Sending the same ``id`` again returns the original result and stores nothing new.
    """
    ext = current_app.extensions["tanggap"]
    unit = Unit.head(data["unit"])
    if unit is None:
        raise ApiError(422, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    response_id = str(data.get("id") or uuid.uuid4())
    body = request.get_json()
    doc = intake.skm_response(
        body, response_id=response_id, unit=unit.code, service=data.get("service"), officer=data.get("officer"),
        template="skm", template_version=1, deployment=None, channel="api", device=None,
        client_address=request.remote_addr, settings=ext.settings, clock=ext.clock)
    result = intake.store(doc)
    return accepted_body(result.response), 201, ({} if result.created else {"Idempotent-Replayed": "true"})
