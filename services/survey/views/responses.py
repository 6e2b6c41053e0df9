"""Intake of citizen responses: anyone may submit (no account); kiosks send their device token."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from shared.platform.auth import KIOSK, authenticate, public
from shared.platform.errors import ApiError, ErrorOut
from shared.platform.openapi import refuses

from services.survey.schemas import AcceptedOut, ResponseIn
from services.survey.submissions.citizen import Origin, accepted_body, submit

blp = Blueprint("responses", __name__, url_prefix="/api/v1/responses",
                description="Citizen responses (SKM and custom surveys). Public: anyone may submit; "
                            "a kiosk sends its device token as a bearer token.")


@blp.route("", methods=["POST"])
@public
@blp.arguments(ResponseIn)
@blp.response(201, AcceptedOut)
@refuses(blp, 401, "an Authorization header that is not a valid token", beyond_schema=False)
@refuses(blp, 403, "a token that is not a kiosk's, or a kiosk token that was revoked", beyond_schema=False)
@refuses(blp, 409, "the id was already used with different content")
@refuses(blp, 422, "answers that do not fit the survey, an unknown unit, service, officer or survey, or an event "
                   "that would be too large")
@blp.alt_response(429, response={"description": "too many responses from this client or device",
                                 "schema": ErrorOut, "content_type": None,
                                 "headers": {"Retry-After": {"description": "seconds to wait",
                                                             "schema": {"type": "integer"}}}})
def submit_response(data):
    """Submit a response to a deployment (QR/web/kiosk) or a unit's built-in SKM.

    Sending the same ``id`` again returns the original result and stores nothing new.
    """
    kiosk = None
    if request.headers.get("Authorization"):
        principal = authenticate()
        if not principal.has(KIOSK):
            raise ApiError(403, errors={"Authorization": ["only kiosk tokens submit here"]})
        kiosk = principal
    origin = Origin(channel="kiosk" if kiosk else "api", client_address=request.remote_addr, kiosk=kiosk)
    result = submit(data, request.get_json(), origin)
    headers = {} if result.created else {"Idempotent-Replayed": "true"}
    return accepted_body(result.response), 201, headers
