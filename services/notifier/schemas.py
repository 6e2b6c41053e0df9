"""Request and response schemas of the notifier API (they also generate its OpenAPI)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.formats import StrictBoolean, WholeRegexp, code_field, month_field
from shared.domain import complaints

from services.notifier.inbox import STATUSES
from services.notifier.models import CHANNELS, DELIVERY_STATUSES

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class CaseQuery(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class AcknowledgeIn(Schema):
    level = fields.Integer(strict=True, validate=validate.Range(min=0), allow_none=True,
                           metadata={"description": "escalation level the caller saw; 409 if the case moved on"})


class DialogueIn(Schema):
    date = fields.Date(required=True, metadata={"description": "day the coaching dialogue took place"})
    notes = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    agreed_actions = fields.List(fields.String(validate=validate.Length(min=1, max=500)),
                                 validate=validate.Length(max=20), load_default=list)
    follow_up = fields.Date(allow_none=True, metadata={"description": "follow-up date; a reminder goes out after it"})

    @validates_schema
    def follow_up_after_dialogue(self, data, **kwargs):
        if data.get("follow_up") and data.get("date") and data["follow_up"] < data["date"]:
            raise ValidationError("tanggal tindak lanjut harus setelah tanggal dialog / "
                                  "the follow-up date must not be before the dialogue", "follow_up")


class ResolveIn(Schema):
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))


class ActorOut(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    by = fields.String()
    by_nip = fields.String(allow_none=True)


class ResolvedOut(ActorOut):
    notes = fields.String(allow_none=True)


class DialogueOut(ActorOut):
    date = fields.String()
    notes = fields.String()
    agreed_actions = fields.List(fields.String())
    follow_up = fields.String(allow_none=True)


class EscalationOut(ActorOut):
    level = fields.Integer()
    from_nip = fields.String(allow_none=True)
    from_kind = fields.String()
    to_kind = fields.String()
    reason = fields.String()


class CaseSummaryOut(Schema):
    case_id = fields.String()
    rule = fields.String()
    severity = fields.String()
    subject_type = fields.String()
    subject = fields.String()
    subject_name = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    period = fields.String()
    opened_at = fields.DateTime()
    received_at = fields.DateTime()
    summary = fields.Dict(keys=fields.String(), values=fields.String())
    status = fields.String()
    level = fields.Integer()
    assignee_nip = fields.String(allow_none=True)
    assignee_kind = fields.String()
    route_reason = fields.String()
    acknowledged = fields.Nested(ActorOut, allow_none=True)
    resolved = fields.Nested(ResolvedOut, allow_none=True)
    cleared_at = fields.DateTime(allow_none=True)
    trend_url = fields.String(allow_none=True,
                              metadata={"description": "the employee's indicator trend (resolved cases)"})


class HistoryOut(Schema):
    seq = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    by = fields.String()
    to_nip = fields.String(allow_none=True)
    data = fields.Dict()


class CaseOut(CaseSummaryOut):
    evidence = fields.Dict()
    dialogues = fields.List(fields.Nested(DialogueOut))
    escalations = fields.List(fields.Nested(EscalationOut))
    history = fields.List(fields.Nested(HistoryOut))


class ActionOut(Schema):
    case = fields.Nested(CaseOut)
    entry = fields.Nested(HistoryOut)
    replayed = fields.Boolean(metadata={"description": "true: the same action was already recorded; nothing new"})


class PreferencesIn(Schema):
    email = StrictBoolean(load_default=True)
    webhook = StrictBoolean(load_default=True)
    webhook_url = fields.Url(schemes={"http", "https"}, require_tld=False, allow_none=True,
                             validate=validate.Length(max=500))
    webhook_secret = fields.String(allow_none=True, validate=validate.Length(min=16, max=200),
                                   metadata={"description": "HMAC key for your webhook; never shown again"})
    quiet_start = fields.String(allow_none=True, validate=WholeRegexp(HHMM, error="format HH:MM"))
    quiet_end = fields.String(allow_none=True, validate=WholeRegexp(HHMM, error="format HH:MM"))
    digest = StrictBoolean(load_default=False)

    @validates_schema
    def consistent(self, data, **kwargs):
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            raise ValidationError("isi awal dan akhir jam tenang / give both start and end of the quiet hours",
                                  "quiet_end")


class PreferencesOut(Schema):
    nip = fields.String()
    email = fields.Boolean()
    webhook = fields.Boolean()
    webhook_url = fields.String(allow_none=True)
    webhook_secret_set = fields.Boolean()
    quiet_start = fields.String(allow_none=True)
    quiet_end = fields.String(allow_none=True)
    digest = fields.Boolean()
    rev = fields.Integer(allow_none=True)


class NotificationOut(Schema):
    key = fields.String()
    case_id = fields.String(allow_none=True)
    event = fields.String()
    created_at = fields.DateTime()


class DeliveryQuery(Schema):
    case_id = fields.String(validate=validate.Length(max=200))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    recipient = fields.String(validate=validate.Length(max=30))
    since = fields.AwareDateTime(format="iso")
    until = fields.AwareDateTime(format="iso")
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class DeliveryOut(Schema):
    key = fields.String(data_key="id")
    case_id = fields.String(allow_none=True)
    event = fields.String()
    channel = fields.String()
    recipient = fields.String()
    created_at = fields.DateTime()
    mode = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    attempts = fields.Integer()
    next_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class DeliveryPageOut(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(DeliveryOut))


class StatsQuery(Schema):
    since = fields.AwareDateTime(format="iso")
    until = fields.AwareDateTime(format="iso")


class ChannelStatsOut(Schema):
    sent = fields.Integer()
    failed = fields.Integer(metadata={"description": "failed attempts"})
    retried = fields.Integer(metadata={"description": "attempts after the first"})
    dead = fields.Integer()
    pending = fields.Integer()
    suppressed = fields.Integer()
    digest = fields.Integer()


class StatsOut(Schema):
    email = fields.Nested(ChannelStatsOut)
    webhook = fields.Nested(ChannelStatsOut)
    inbox = fields.Nested(ChannelStatsOut)


# -- complaint tickets -------------------------------------------------------------------------

TICKET_ACTIONS = ("verify", "reject", "forward", "follow_up", "answer", "duplicate")


class TicketQuery(Schema):
    state = fields.String(validate=validate.OneOf(complaints.STATES))
    unit = code_field()


class TicketExportQuery(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    period = month_field(metadata={"description": "the month the tickets were received (default: all)"})


class TicketActionIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(TICKET_ACTIONS), metadata={
        "description": "verify; reject (reason); forward (to_unit); follow_up (public progress note optional); "
                       "answer (reply, shown in public and mailed to the citizen); duplicate (of: the ticket whose "
                       "answer this one shares)"})
    reason = fields.String(validate=validate.Length(min=1, max=complaints.REASON_MAX),
                           metadata={"description": "why it is rejected (shown to the citizen)"})
    to_unit = code_field(metadata={"description": "the unit it is forwarded to"})
    reply = fields.String(validate=validate.Length(min=1, max=complaints.TEXT_MAX),
                          metadata={"description": "the public answer: no personal data"})
    public = fields.String(validate=validate.Length(max=complaints.REASON_MAX),
                           metadata={"description": "a progress note shown to the citizen"})
    of = fields.String(validate=WholeRegexp(complaints.TICKET), metadata={"description": "the original ticket"})
    note = fields.String(validate=validate.Length(max=2000), metadata={"description": "an internal note (never "
                                                                                      "shown to the citizen)"})

    @validates_schema
    def needed(self, data, **kwargs):
        need = {"reject": "reason", "forward": "to_unit", "answer": "reply", "duplicate": "of"}.get(data.get("action"))
        if need and not (data.get(need) or "").strip():
            raise ValidationError("wajib untuk tindakan ini / required for this action", need)


class TicketDeadlineOut(Schema):
    name = fields.String(metadata={"description": "verify or answer"})
    due = fields.String(metadata={"description": "the last working day (local date)"})
    overdue = fields.Boolean()


class TicketSummaryOut(Schema):
    ticket = fields.String()
    kind = fields.String()
    unsur = fields.String(allow_none=True)
    unit = fields.String(metadata={"description": "the unit that owns it now"})
    received_unit = fields.String()
    state = fields.String()
    received_at = fields.DateTime()
    deadline = fields.Nested(TicketDeadlineOut, allow_none=True)
    duplicate_of = fields.String(allow_none=True)


class TicketEntryOut(Schema):
    seq = fields.Integer()
    kind = fields.String()
    at = fields.DateTime()
    by = fields.String()
    to_nip = fields.String(allow_none=True)
    data = fields.Dict()


class TicketContactOut(Schema):
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class TicketOut(TicketSummaryOut):
    service = fields.String(allow_none=True)
    officer = fields.String(allow_none=True)
    channel = fields.String()
    text = fields.String(allow_none=True)
    contact = fields.Nested(TicketContactOut, allow_none=True, metadata={"description": "the citizen's contact, "
                                                                                        "for the ticket's handlers"})
    reply = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    history = fields.List(fields.Nested(TicketEntryOut))


class TicketActionOut(Schema):
    ticket = fields.Nested(TicketOut)
    replayed = fields.Boolean()
