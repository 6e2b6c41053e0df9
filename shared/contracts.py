"""Payload schemas of every event type, by version: the contract between services.

Events carry no personal data of citizens: no names, contact details, client addresses
(only a keyed hash), free text or exact ages. Employee NIPs appear only as the subject of
an indicator (the officer who served, the employee rated); a peer rater appears only as a
keyed hash, so the aggregator can count distinct raters without knowing who they are.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from . import skm, berakhlak

SKM_RESPONSE = "skm.response.submitted"
PEER_FEEDBACK = "peer.feedback.submitted"
SURVEY_RESPONSE = "survey.response.submitted"
APPRAISAL = "appraisal.recorded"
CASE_OPENED = "coaching.case.opened"
CASE_CLOSED = "coaching.case.closed"

PERIOD_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
NIP = r"^\d{18}$"
CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"  # no dots: codes become field names in stored state


def _code(**kw):
    return fields.String(validate=validate.Regexp(CODE), **kw)


def _nip(**kw):
    return fields.String(validate=validate.Regexp(NIP), **kw)


class SkmResponseV1(Schema):
    response_id = fields.UUID(required=True)
    unit = _code(required=True)
    service = _code(allow_none=True, load_default=None)
    officer = _nip(allow_none=True, load_default=None)
    template_version = fields.Integer(required=True, strict=True)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    submitted_at = fields.AwareDateTime(required=True)
    answers = fields.Dict(keys=fields.String(validate=validate.OneOf(skm.UNSUR_CODES)),
                          values=fields.Integer(strict=True, validate=validate.Range(1, 4)), required=True)
    profile = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), load_default=dict)
    channel = fields.String(required=True, validate=validate.OneOf(["web", "kiosk", "api"]))
    client_hash = fields.String(allow_none=True, load_default=None)
    has_comment = fields.Boolean(load_default=False)


class PeerFeedbackV1(Schema):
    response_id = fields.UUID(required=True)
    ratee = _nip(required=True)
    ratee_unit = _code(required=True)
    rater_hash = fields.String(required=True, validate=validate.Length(min=16, max=128))
    relation = fields.String(required=True, validate=validate.OneOf(berakhlak.RELATIONS))
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    submitted_at = fields.AwareDateTime(required=True)
    template_version = fields.Integer(required=True, strict=True)
    scale_max = fields.Integer(required=True, strict=True, validate=validate.Range(2, 10))
    values = fields.Dict(keys=fields.String(validate=validate.OneOf(berakhlak.VALUE_CODES)),
                         values=fields.Integer(strict=True, validate=validate.Range(1, 10)), required=True)


class SurveyResponseV1(Schema):
    response_id = fields.UUID(required=True)
    template = _code(required=True)
    template_version = fields.Integer(required=True, strict=True)
    unit = _code(required=True)
    service = _code(allow_none=True, load_default=None)
    officer = _nip(allow_none=True, load_default=None)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    submitted_at = fields.AwareDateTime(required=True)
    # Numeric answers only (Likert, NPS, choices as option codes); free text stays in the store.
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["web", "kiosk", "api"]))


class AppraisalV1(Schema):
    appraisal_id = fields.String(required=True)
    nip = _nip(required=True)
    unit = _code(allow_none=True, load_default=None)
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$"))
    hasil_kerja = fields.String(required=True, validate=validate.OneOf(berakhlak.RATINGS))
    recorded_at = fields.AwareDateTime(required=True)


class CaseV1(Schema):
    case_id = fields.String(required=True)
    rule = fields.String(required=True)
    subject_type = fields.String(required=True, validate=validate.OneOf(["employee", "unit"]))
    subject = fields.String(required=True)
    unit = _code(allow_none=True, load_default=None)
    period = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True, load_default=None)
    severity = fields.String(required=True, validate=validate.OneOf(["info", "warning", "critical"]))
    summary = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    evidence = fields.Dict(required=True)


_REGISTRY: dict[tuple[str, int], Schema] = {
    (SKM_RESPONSE, 1): SkmResponseV1(),
    (PEER_FEEDBACK, 1): PeerFeedbackV1(),
    (SURVEY_RESPONSE, 1): SurveyResponseV1(),
    (APPRAISAL, 1): AppraisalV1(),
    (CASE_OPENED, 1): CaseV1(),
    (CASE_CLOSED, 1): CaseV1(),
}


def payload_schema(type: str, version: int) -> Schema:
    return _REGISTRY[(type, version)]


def latest_version(type: str) -> int:
    versions = [v for (t, v) in _REGISTRY if t == type]
    if not versions:
        raise KeyError(type)
    return max(versions)
