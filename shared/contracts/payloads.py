"""Payload schemas of every event type, by version: the contract between services.

Events carry no personal data of citizens: no names, contact details, client addresses
(only a keyed hash), free text or exact ages. Employee NIPs appear only as the subject of
an indicator (the officer who served, the employee rated); a peer rater appears only as a
keyed hash, so the aggregator can count distinct raters without knowing who they are.
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from shared.contracts.formats import (
    CHANNELS,
    CODE,
    CODE_RE,
    PERIOD,
    PERIOD_MONTH,
    WholeRegexp,
    code_field,
    nip_field,
)
from shared.domain import berakhlak, complaints, skm, training

SKM_RESPONSE = "skm.response.submitted"
PEER_FEEDBACK = "peer.feedback.submitted"
SURVEY_RESPONSE = "survey.response.submitted"
APPRAISAL = "appraisal.recorded"
CASE_OPENED = "coaching.case.opened"
CASE_CLOSED = "coaching.case.closed"
RECOGNITION = "recognition.granted"     # an appreciation (apresiasi) for outstanding work: the case payload
TRAINING_REACTION = "training.reaction.submitted"
TRAINING_SCORES = "training.scores.recorded"
TRAINING_FOLLOWUP = "training.followup.submitted"
COMPLAINT_RECEIVED = "complaint.received"
COMPLAINT_STATUS = "complaint.status.changed"


# What may be a key of a stored document (MongoDB and FerretDB refuse a dot, a leading "$"
# and NUL). Every key an event carries must be one; the keys that become field names of
# indicator state are narrower still: codes, unsur and value codes, profile categories.
STORAGE_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$")
MAX_EVENT_DEPTH = 8      # levels of nesting in a payload (evidence is the deepest: 3)
MAX_EVENT_BYTES = 64 * 1024  # an encoded event; the broker takes about 1 MB


def bad_keys(value: object, depth: int = 0) -> str | None:
    """Why ``value`` (a payload) cannot be stored as it is, or None: a key that is not a
    :data:`STORAGE_KEY`, or nesting deeper than :data:`MAX_EVENT_DEPTH`. The reason names
    no key (keys are user text when an event is forged)."""
    stack: list[tuple[object, int]] = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if level > MAX_EVENT_DEPTH:
            return "nested too deeply"
        if isinstance(item, dict):
            for key, child in item.items():
                if type(key) is not str or not STORAGE_KEY.match(key):
                    return "a key that cannot be stored"
                stack.append((child, level + 1))
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return None


def _profile(value: dict[str, Any]) -> None:
    wrong = [key for key, answer in value.items()
             if answer is not None and answer not in skm.STORED_PROFILE.get(key, ())]
    if wrong:
        raise ValidationError("not one of the category's answers", field_name="profile")


def _survey_answer(value: object) -> None:
    """A custom survey's answer as an event carries it: a scale or NPS point (0-10), a
    choice code, or a list of choice codes (free text never travels)."""
    if type(value) is int:
        if not 0 <= value <= 10:
            raise ValidationError("a scale point must be 0-10")
    elif type(value) is str:
        if not CODE_RE.match(value):
            raise ValidationError("not a choice code")
    elif type(value) is list:
        if len(value) > 100 or not all(type(v) is str and CODE_RE.match(v) for v in value):
            raise ValidationError("not a list of choice codes")
    else:
        raise ValidationError("an integer, a choice code or a list of them")


class SkmResponseV1(Schema):
    response_id = fields.UUID(required=True)
    unit = code_field(required=True)
    service = code_field(allow_none=True, load_default=None)
    officer = nip_field(allow_none=True, load_default=None)
    template_version = fields.Integer(required=True, strict=True)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    submitted_at = fields.AwareDateTime(required=True)
    answers = fields.Dict(keys=fields.String(validate=validate.OneOf(skm.UNSUR_CODES)),
                          values=fields.Integer(strict=True, validate=validate.Range(1, 4)), required=True)
    profile = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(skm.PROFILE))),
                          values=fields.String(allow_none=True), load_default=dict, validate=_profile)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    client_hash = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=128))
    has_comment = fields.Boolean(load_default=False)


class PeerFeedbackV1(Schema):
    response_id = fields.UUID(required=True)
    ratee = nip_field(required=True)
    ratee_unit = code_field(required=True)
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
    template = code_field(required=True)
    template_version = fields.Integer(required=True, strict=True)
    unit = code_field(required=True)
    service = code_field(allow_none=True, load_default=None)
    officer = nip_field(allow_none=True, load_default=None)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    submitted_at = fields.AwareDateTime(required=True)
    # Numeric answers only (Likert, NPS, choices as option codes); free text stays in the store.
    # Question and choice codes become field names of the indicator state: codes only.
    answers = fields.Dict(keys=fields.String(validate=validate.Regexp(CODE)),
                          values=fields.Raw(validate=_survey_answer), required=True,
                          validate=validate.Length(max=100))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))


class AppraisalV1(Schema):
    appraisal_id = fields.String(required=True)
    nip = nip_field(required=True)
    unit = code_field(allow_none=True, load_default=None)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD))
    hasil_kerja = fields.String(required=True, validate=validate.OneOf(berakhlak.RATINGS))
    perilaku = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(berakhlak.RATINGS))
    recorded_at = fields.AwareDateTime(required=True)


class CaseV1(Schema):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=300))
    rule = code_field(required=True)
    subject_type = fields.String(required=True, validate=validate.OneOf(["employee", "unit"]))
    subject = code_field(required=True)
    unit = code_field(allow_none=True, load_default=None)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD))
    opened_at = fields.AwareDateTime(required=True)
    closed_at = fields.AwareDateTime(allow_none=True, load_default=None)
    severity = fields.String(required=True, validate=validate.OneOf(["info", "warning", "critical"]))
    summary = fields.Dict(keys=fields.String(validate=validate.OneOf(["id", "en"])),
                          values=fields.String(validate=validate.Length(max=1000)), required=True)
    evidence = fields.Dict(required=True)  # keys checked for every payload (see bad_keys)


class ComplaintReceivedV1(Schema):
    """A citizen's complaint or suggestion was received: what it is about, never its text or
    the citizen's contact (those stay in the survey service's store)."""

    ticket = fields.String(required=True, validate=WholeRegexp(complaints.TICKET))
    unit = code_field(required=True)
    service = code_field(allow_none=True, load_default=None)
    officer = nip_field(allow_none=True, load_default=None)
    kind = fields.String(required=True, validate=validate.OneOf(complaints.KINDS))
    unsur = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(skm.UNSUR_CODES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    received_at = fields.AwareDateTime(required=True)
    has_contact = fields.Boolean(load_default=False)


class ComplaintStatusV1(Schema):
    """A step of a ticket's handling, published by the notifier. ``text`` is public text a
    handler wrote for the citizen (a reply, a rejection's reason, a progress note); internal
    notes never travel."""

    ticket = fields.String(required=True, validate=WholeRegexp(complaints.TICKET))
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(complaints.PUBLISHED_KINDS))
    state = fields.String(required=True, validate=validate.OneOf(complaints.STATES))
    unit = code_field(required=True)            # the unit that owns the ticket after this step
    at = fields.AwareDateTime(required=True)
    text = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=complaints.TEXT_MAX))
    duplicate_of = fields.String(allow_none=True, load_default=None, validate=WholeRegexp(complaints.TICKET))


class TrainingReactionV1(Schema):
    """A participant's level-1 answer about a programme: the scores only (no NIP, no comment)."""

    reaction_id = fields.String(required=True, validate=validate.Length(min=16, max=64))
    programme = code_field(required=True)
    values = fields.Dict(keys=fields.String(validate=validate.OneOf(training.REACTION_CODES)),
                         values=fields.Integer(strict=True, validate=validate.Range(1, 5)), required=True)
    period = fields.String(required=True, validate=validate.Regexp(PERIOD_MONTH))
    submitted_at = fields.AwareDateTime(required=True)


def _score_pairs(value: dict[str, Any]) -> None:
    for key, pair in value.items():
        if not (isinstance(pair, list) and len(pair) == 2 and all(type(x) in (int, float) and 0 <= x <= 100
                                                                   for x in pair)):
            raise ValidationError("each score a [pre, post] pair of 0-100")
        if not re.fullmatch(r"[0-9a-f]{16,64}", key):
            raise ValidationError("keys are participants' reaction keys")


class TrainingScoresV1(Schema):
    """Pre- and post-test scores of a programme's participants (level 2), keyed by each
    participant's reaction key (a keyed hash), never by NIP."""

    import_id = fields.String(required=True, validate=validate.Length(min=8, max=64))
    programme = code_field(required=True)
    scores = fields.Dict(required=True, validate=[validate.Length(max=5000), _score_pairs])
    recorded_at = fields.AwareDateTime(required=True)


class TrainingFollowUpV1(Schema):
    """A level-3 answer (the alumnus's or their supervisor's): the scores only."""

    followup_id = fields.String(required=True, validate=validate.Length(min=16, max=64))
    programme = code_field(required=True)
    role = fields.String(required=True, validate=validate.OneOf(training.ROLES))
    values = fields.Dict(keys=fields.String(validate=validate.OneOf(training.APPLICATION_CODES)),
                         values=fields.Integer(strict=True, validate=validate.Range(1, 5)), required=True)
    submitted_at = fields.AwareDateTime(required=True)


_REGISTRY: dict[tuple[str, int], Schema] = {
    (SKM_RESPONSE, 1): SkmResponseV1(),
    (PEER_FEEDBACK, 1): PeerFeedbackV1(),
    (SURVEY_RESPONSE, 1): SurveyResponseV1(),
    (APPRAISAL, 1): AppraisalV1(),
    (CASE_OPENED, 1): CaseV1(),
    (CASE_CLOSED, 1): CaseV1(),
    (RECOGNITION, 1): CaseV1(),
    (COMPLAINT_RECEIVED, 1): ComplaintReceivedV1(),
    (TRAINING_REACTION, 1): TrainingReactionV1(),
    (TRAINING_SCORES, 1): TrainingScoresV1(),
    (TRAINING_FOLLOWUP, 1): TrainingFollowUpV1(),
    (COMPLAINT_STATUS, 1): ComplaintStatusV1(),
}


def payload_schema(type: str, version: int) -> Schema:
    return _REGISTRY[(type, version)]


def latest_version(type: str) -> int:
    versions = [v for (t, v) in _REGISTRY if t == type]
    if not versions:
        raise KeyError(type)
    return max(versions)
