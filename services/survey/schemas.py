"""Request and response schemas of the survey API (they also generate its OpenAPI)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.formats import StrictBoolean, WholeRegexp, code_field, nip_field
from shared.domain import complaints, skm

from services.survey.surveys import spec

MAX_VERSION = 100_000
PROFILE_CHOICES = skm.PROFILE


class ProfileSchema(Schema):
    """Respondent profile: coarse categories only, every item optional."""

    age_band = fields.String(validate=validate.OneOf(skm.PROFILE["age_band"]), allow_none=True)
    sex = fields.String(validate=validate.OneOf(skm.PROFILE["sex"]), allow_none=True)
    education = fields.String(validate=validate.OneOf(skm.PROFILE["education"]), allow_none=True)
    occupation = fields.String(validate=validate.OneOf(skm.PROFILE["occupation"]), allow_none=True)


ANSWERS_DOC = ("question code -> answer: an integer for scale (1..scale) and NPS (0-10) questions, a choice "
               "value for single choice, a list of choice values for multiple choice, text for free text. "
               "For the SKM: U1..U9 -> 1..4; an unsur may be left out.")


class ResponseIn(Schema):
    id = fields.UUID(metadata={"description": "client-generated response id (idempotency key); kiosks always send one"})
    deployment = fields.String(validate=validate.Length(min=1, max=16),
                               metadata={"description": "public code of a deployment (from its QR code)"})
    unit = code_field(metadata={"description": "unit code: the built-in SKM for this unit (when no deployment)"})
    service = code_field(allow_none=True, metadata={"description": "service (jenis layanan) code"})
    officer = nip_field(allow_none=True, metadata={"description": "NIP of the officer who served, if known"})
    template_version = fields.Integer(strict=True, validate=validate.Range(1, MAX_VERSION),
                                      metadata={"description": "the template version the respondent saw"})
    answers = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                          values=fields.Raw(allow_none=True), required=True, metadata={"description": ANSWERS_DOC})
    profile = fields.Nested(ProfileSchema, allow_none=True)
    comment = fields.String(allow_none=True, validate=validate.Length(max=spec.TEXT_MAX))
    lang = fields.String(validate=validate.OneOf(["id", "en"]), allow_none=True)

    @validates_schema
    def one_target(self, data, **kwargs):
        if data.get("deployment") and data.get("unit"):
            raise ValidationError("isi deployment atau unit, bukan keduanya / give deployment or unit, not both",
                                  "unit")


class AcceptedOut(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True)
    unit = fields.String(required=True)
    period = fields.String(required=True)
    received_at = fields.DateTime(required=True)


class PeerIn(Schema):
    id = fields.UUID(metadata={"description": "client-generated id (idempotency key)"})
    ratee = nip_field(required=True, metadata={"description": "NIP of the colleague being rated"})
    template_version = fields.Integer(strict=True, validate=validate.Range(1, MAX_VERSION))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                          values=fields.Raw(allow_none=True), required=True,
                          metadata={"description": "BO, AK, KO, HA, LO, AD, KL -> 1..5; "
                                                   "<value>_comment -> optional text"})


class PeerAcceptedOut(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True)
    period = fields.String(required=True)


class ColleagueOut(Schema):
    nip = fields.String()
    name = fields.String()
    unit = fields.String()
    position = fields.String(allow_none=True)
    relation = fields.String()
    rated_this_period = fields.Boolean()


class UnitIn(Schema):
    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=200))
    parent = code_field(allow_none=True)
    head_nip = nip_field(allow_none=True)
    active = StrictBoolean(metadata={
        "description": "false: the unit is closed or merged (refused while it has active surveys or kiosks); it "
                       "takes no new surveys, services or employees, and its results stay; left out: as it is (a "
                       "new unit is active)"})
    complaint_handlers = fields.List(nip_field(), allow_none=True, validate=validate.Length(max=50), metadata={
        "description": "NIPs of the employees who handle the unit's complaint tickets beside its head (active "
                       "employees); left out: as they are"})


class UnitOut(Schema):
    code = fields.String()
    active = fields.Boolean()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    parent = fields.String(allow_none=True)
    head_nip = fields.String(allow_none=True)
    complaint_handlers = fields.List(fields.String())
    rev = fields.Integer()


class ServiceIn(Schema):
    unit = code_field(required=True)
    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=200))
    active = StrictBoolean(load_default=True, metadata={"description": "false: no longer offered (no new "
                                                                      "deployments; its results stay)"})


class ServiceOut(Schema):
    unit = fields.String()
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    active = fields.Boolean()
    rev = fields.Integer()


class EmployeeIn(Schema):
    nip = nip_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = code_field(required=True)
    position = fields.String(allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(allow_none=True)
    supervisor_nip = nip_field(allow_none=True)
    lang = fields.String(validate=validate.OneOf(["id", "en"]), load_default="id")
    active = StrictBoolean(load_default=True)


class EmployeeOut(Schema):
    nip = fields.String()
    name = fields.String()
    unit = fields.String()
    position = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    supervisor_nip = fields.String(allow_none=True)
    lang = fields.String()
    active = fields.Boolean()
    rev = fields.Integer()


class ImportQuery(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["units", "services", "employees"]))
    dry_run = fields.Boolean(load_default=False)


class RowErrorOut(Schema):
    line = fields.Integer(metadata={"description": "line in the file (CSV: the header is line 1); JSON: index + 1"})
    key = fields.String(allow_none=True)
    field = fields.String()
    message = fields.String()


class ImportOut(Schema):
    kind = fields.String()
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    rejected = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorOut))


class ChoiceSchema(Schema):
    value = code_field(required=True)
    label_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    label_en = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TextPair(Schema):
    id = fields.String(required=True, validate=validate.Length(max=300))
    en = fields.String(required=True, validate=validate.Length(max=300))


class QuestionSchema(Schema):
    code = code_field(required=True)
    type = fields.String(required=True, validate=validate.OneOf(spec.TYPES))
    text_id = fields.String(required=True, validate=validate.Length(min=1, max=500))
    text_en = fields.String(required=True, validate=validate.Length(min=1, max=500))
    required = StrictBoolean(load_default=False)
    scale = fields.Integer(strict=True, allow_none=True, validate=validate.Range(2, 10))
    labels = fields.List(fields.Nested(TextPair), load_default=list,
                         metadata={"description": "one {id, en} label per scale point"})
    choices = fields.List(fields.Nested(ChoiceSchema), load_default=list, validate=validate.Length(max=100))
    guides = fields.List(fields.Nested(TextPair), load_default=list,
                         metadata={"description": "help lines shown under the question, {id, en}"})
    max_length = fields.Integer(strict=True, load_default=spec.TEXT_MAX, validate=validate.Range(1, spec.TEXT_MAX))

    @validates_schema
    def consistent(self, data, **kwargs):
        kind = data.get("type")
        if kind == spec.SCALE:
            if not data.get("scale"):
                raise ValidationError("pertanyaan skala perlu 'scale' / scale questions need 'scale'", "scale")
            if data.get("labels") and len(data["labels"]) != data["scale"]:
                raise ValidationError("satu label per titik skala / one label per scale point", "labels")
        if kind in (spec.SINGLE, spec.MULTIPLE):
            values = [c["value"] for c in data.get("choices") or []]
            if len(values) < 2:
                raise ValidationError("perlu minimal 2 pilihan / needs at least 2 choices", "choices")
            if len(set(values)) != len(values):
                raise ValidationError("nilai pilihan harus unik / choice values must be unique", "choices")


class TemplateIn(Schema):
    code = code_field(required=True)
    title_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    questions = fields.List(fields.Nested(QuestionSchema), required=True, validate=validate.Length(min=1, max=100))
    owner_unit = code_field(allow_none=True)

    @validates_schema
    def unique_codes(self, data, **kwargs):
        codes = [q["code"] for q in data.get("questions") or []]
        if len(set(codes)) != len(codes):
            raise ValidationError("kode pertanyaan harus unik / question codes must be unique", "questions")


class TemplateOut(Schema):
    code = fields.String()
    version = fields.Integer()
    kind = fields.String()
    title_id = fields.String()
    title_en = fields.String()
    builtin = fields.Boolean()
    questions = fields.List(fields.Dict())


class TemplateQuery(Schema):
    version = fields.Integer(validate=validate.Range(1, MAX_VERSION))


class DeploymentIn(Schema):
    template = code_field(required=True)
    template_version = fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, MAX_VERSION))
    unit = code_field(required=True)
    service = code_field(allow_none=True)
    officer = nip_field(allow_none=True)
    title = fields.String(allow_none=True, validate=validate.Length(max=200))
    active = StrictBoolean(load_default=True)


class DeploymentOut(Schema):
    code = fields.String()
    template = fields.String()
    template_version = fields.Integer(allow_none=True)
    unit = fields.String()
    service = fields.String(allow_none=True)
    officer = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    active = fields.Boolean()
    url = fields.String()
    qr_png = fields.String()
    qr_svg = fields.String()


class KioskIn(Schema):
    device_id = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    deployment = fields.String(required=True, validate=validate.Length(min=1, max=16))
    idle_seconds = fields.Integer(strict=True, load_default=60, validate=validate.Range(10, 600))
    token_ttl_days = fields.Integer(strict=True, load_default=365, validate=validate.Range(1, 3650))


class KioskOut(Schema):
    device_id = fields.String()
    name = fields.String()
    unit = fields.String()
    deployment = fields.String()
    idle_seconds = fields.Integer()
    active = fields.Boolean()
    token = fields.String(metadata={"description": "only when the token was just issued"})
    setup_url = fields.String(metadata={"description": "open once on the tablet; only when the token was just issued"})


class KioskConfigOut(Schema):
    device_id = fields.String()
    name = fields.String()
    unit = fields.Dict()
    deployment = fields.String()
    idle_seconds = fields.Integer()
    template = fields.Dict()


MAX_QUEUED = 100_000


class KioskHeartbeatIn(Schema):
    """A kiosk's heartbeat: the device is its token's, never the body's; no respondent data."""

    queued = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_QUEUED),
                            metadata={"description": "responses the tablet holds, not yet accepted by the server"})
    app_version = fields.String(allow_none=True, validate=WholeRegexp(r"^[0-9A-Za-z._+-]{1,40}$"),
                                metadata={"description": "the kiosk script's version"})


class KioskHeartbeatOut(Schema):
    device_id = fields.String(required=True)
    at = fields.DateTime(required=True, metadata={"description": "when the server received it"})
    interval_seconds = fields.Integer(required=True, metadata={"description": "send the next one within this"})


class HeldOut(Schema):
    id = fields.String(metadata={"description": "the response id"})
    unit = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "what Kafka said (the error's class)"})
    held_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    discarded = fields.Boolean()


class BacklogOut(Schema):
    pending = fields.Integer(metadata={"description": "stored, waiting for the relay (held ones not counted)"})
    oldest_pending_at = fields.String(allow_none=True)
    published = fields.Integer()
    held = fields.List(fields.Nested(HeldOut), metadata={"description": "events Kafka refused for good"})


PHONE = r"^\+?[0-9][0-9 ()-]{5,22}$"


class ContactIn(Schema):
    email = fields.Email(allow_none=True, validate=validate.Length(max=254),
                         metadata={"description": "where the unit's answer is mailed"})
    phone = fields.String(allow_none=True, validate=WholeRegexp(PHONE, error="nomor telepon tidak valid / not a "
                                                                             "phone number"))


class ComplaintIn(Schema):
    id = fields.UUID(metadata={"description": "client-generated id (idempotency key): a replay returns the same "
                                              "ticket"})
    deployment = fields.String(validate=validate.Length(min=1, max=16),
                               metadata={"description": "public code of a deployment (from the counter's QR code)"})
    unit = code_field(metadata={"description": "unit code (when no deployment)"})
    service = code_field(allow_none=True, metadata={"description": "service (jenis layanan) code"})
    officer = nip_field(allow_none=True, metadata={"description": "NIP of the officer concerned, if known (same rule "
                                                                  "as ratings: an officer serving in the unit)"})
    kind = fields.String(required=True, validate=validate.OneOf(complaints.KINDS),
                         metadata={"description": "pengaduan (complaint), aspirasi (suggestion), informasi "
                                                  "(request for information)"})
    text = fields.String(allow_none=True, validate=validate.Length(max=complaints.TEXT_MAX),
                         metadata={"description": "what happened or what is asked (required except from a kiosk)"})
    unsur = fields.String(allow_none=True, validate=validate.OneOf(skm.UNSUR_CODES),
                          metadata={"description": "the SKM element it concerns, U1-U9"})
    contact = fields.Nested(ContactIn, allow_none=True,
                            metadata={"description": "how to reach the citizen (optional; needs consent)"})
    consent = StrictBoolean(metadata={"description": "true: the citizen agrees that the contact is kept, encrypted, "
                                                     "seen only by the ticket's handlers and deleted after the "
                                                     "retention period"})
    lang = fields.String(validate=validate.OneOf(["id", "en"]), allow_none=True)

    @validates_schema
    def one_target(self, data, **kwargs):
        if data.get("deployment") and data.get("unit"):
            raise ValidationError("isi deployment atau unit, bukan keduanya / give deployment or unit, not both",
                                  "unit")

    @validates_schema
    def some_text(self, data, **kwargs):
        if data.get("text") is not None and not data["text"].strip():
            raise ValidationError("tidak boleh kosong / must not be blank", "text")


class ComplaintAcceptedOut(Schema):
    ticket = fields.String(required=True, metadata={"description": "the ticket number, e.g. ADU-2026-12-000123"})
    tracking_key = fields.String(required=True, metadata={"description": "the secret that opens the tracking page"})
    tracking_url = fields.String(required=True)
    status = fields.String(required=True)
    kind = fields.String(required=True)
    unit = fields.String(required=True)
    received_at = fields.DateTime(required=True)


class ComplaintStepOut(Schema):
    state = fields.String(required=True)
    label = fields.String(required=True)
    at = fields.DateTime(required=True)
    unit = fields.String(required=True)
    text = fields.String(allow_none=True, metadata={"description": "public text: the reply, a rejection's reason, "
                                                                   "a progress note"})


class ComplaintTrackOut(Schema):
    ticket = fields.String(required=True)
    kind = fields.String(required=True)
    unsur = fields.String(allow_none=True)
    unit = fields.String(required=True, metadata={"description": "the unit handling it now"})
    state = fields.String(required=True, metadata={"description": "diterima, diverifikasi, dialihkan, "
                                                                  "ditindaklanjuti, selesai or ditolak"})
    label = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    reply = fields.String(allow_none=True, metadata={"description": "the unit's public answer"})
    duplicate_of = fields.String(allow_none=True, metadata={"description": "the ticket whose answer this one shares"})
    steps = fields.List(fields.Nested(ComplaintStepOut), required=True)
