"""Peer feedback from authenticated employees, anonymous to the person rated."""
from __future__ import annotations

import uuid

from flask import current_app, request
from flask_smorest import Blueprint

from shared.platform.auth import EMPLOYEE, principal, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.pseudonyms import keyed_hash
from shared.platform.web import this_month
from shared.records.directory import Employee
from shared.records.responses import Response

from services.survey.schemas import ColleagueOut, PeerAcceptedOut, PeerIn
from services.survey.submissions import acceptance, peer_circle
from services.survey.surveys import catalog, spec

blp = Blueprint("peer", __name__, url_prefix="/api/v1/peer-feedback",
                description="BerAKHLAK peer/360 feedback. The rater is never shown to the person rated: "
                            "only a keyed hash is kept, and results are released with at least 3 raters.")


def _rater() -> Employee:
    me = principal()
    rater = Employee.head(me.nip) if me.nip else None
    if rater is None or not rater.active:
        raise ApiError(403, "NIP Anda tidak terdaftar sebagai pegawai aktif",
                       "Your NIP is not an active employee in the directory", code="not_an_employee",
                       errors={"Authorization": ["token's NIP is not an active employee"]})
    return rater


def _claimed(rater_nip: str, ratee_nip: str) -> bool:
    ext = current_app.extensions["tanggap"]
    period = this_month()
    claim = keyed_hash(ext.settings, "peer-claim", f"{rater_nip}|{ratee_nip}|{period}", length=64)
    return Response.objects(peer_claim=claim).only("id").first() is not None


@blp.route("/circle", methods=["GET"])
@require(EMPLOYEE)
@blp.response(200, ColleagueOut(many=True))
@refuses(blp, 403, "the token's NIP is not an active employee")
def my_circle():
    """Colleagues the caller may rate this period (same unit, direct supervisor, direct reports)."""
    rater = _rater()
    return [{"nip": e.nip, "name": e.name, "unit": e.unit, "position": e.position, "relation": rel,
             "rated_this_period": _claimed(rater.nip, e.nip)} for e, rel in peer_circle.circle(rater)]


@blp.route("", methods=["POST"])
@require(EMPLOYEE)
@blp.arguments(PeerIn)
@blp.response(201, PeerAcceptedOut)
@refuses(blp, 403, "the caller is not an active employee, or the colleague is outside the caller's circle")
@refuses(blp, 409, "this colleague was already rated this month, or the id was used with other content")
@refuses(blp, 422, "answers that do not fit the survey, an unknown colleague, oneself, or an unknown version")
def submit_feedback(data):
    """Rate a colleague on the seven BerAKHLAK values (one submission per colleague and month)."""
    result = give(_rater(), data, request.get_json())
    return ({"id": result.response.id, "status": "accepted", "period": result.response.period}, 201,
            {} if result.created else {"Idempotent-Replayed": "true"})


def give(rater: Employee, data: dict, body: dict) -> acceptance.Accepted:
    """``rater``'s feedback ``data`` (as :class:`PeerIn` loaded it; ``body`` as it was sent)
    checked and stored: shared by the API and the employee portal's form."""
    ext = current_app.extensions["tanggap"]
    ratee = Employee.head(data["ratee"])
    if ratee is None or not ratee.active:
        raise ApiError(422, errors={"ratee": ["pegawai tidak dikenal / unknown employee"]})
    if ratee.nip == rater.nip:
        raise ApiError(422, errors={"ratee": ["tidak bisa menilai diri sendiri / you cannot rate yourself"]})
    rel = peer_circle.relation(rater, ratee)
    if rel is None:
        raise ApiError(403, "Pegawai ini di luar lingkup kerja Anda", "This colleague is outside your circle",
                       code="not_in_circle", errors={"ratee": ["not in your circle"]})
    template = catalog.template(spec.PEER_CODE, data.get("template_version"))
    if template is None:
        raise ApiError(422, errors={"template_version": ["versi survei tidak dikenal / unknown survey version"]})
    answers = acceptance.checked(template, data["answers"])
    response_id = str(data.get("id") or uuid.uuid4())
    doc = acceptance.peer_response(body, response_id=response_id, template=template, answers=answers,
                                   rater_nip=rater.nip, ratee_nip=ratee.nip, ratee_unit=ratee.unit, relation=rel,
                                   settings=ext.settings, clock=ext.clock)
    return acceptance.store(doc)


def rated_this_period(rater_nip: str, ratee_nip: str) -> bool:
    return _claimed(rater_nip, ratee_nip)
