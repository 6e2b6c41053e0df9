"""Request and response schemas of the survey API (they also generate its OpenAPI)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared import skm
from shared.contracts import CODE, NIP

code_field = lambda **kw: fields.String(validate=validate.Regexp(CODE, error="kode tidak valid / invalid code"), **kw)
nip_field = lambda **kw: fields.String(validate=validate.Regexp(NIP, error="NIP harus 18 digit / NIP must be 18 digits"), **kw)

AGE_BANDS = ("<20", "20-29", "30-39", "40-49", "50-59", ">=60")
SEXES = ("L", "P")
EDUCATION = ("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", "S3", "lainnya")
OCCUPATIONS = ("PNS", "TNI/Polri", "swasta", "wirausaha", "pelajar/mahasiswa", "lainnya")


class ProfileSchema(Schema):
    """Respondent profile: coarse categories only, every item optional."""

    age_band = fields.String(validate=validate.OneOf(AGE_BANDS), allow_none=True)
    sex = fields.String(validate=validate.OneOf(SEXES), allow_none=True)
    education = fields.String(validate=validate.OneOf(EDUCATION), allow_none=True)
    occupation = fields.String(validate=validate.OneOf(OCCUPATIONS), allow_none=True)


class SkmResponseIn(Schema):
    id = fields.UUID(metadata={"description": "client-generated response id (idempotency key); kiosks always send one"})
    unit = code_field(required=True, metadata={"description": "unit code"})
    service = code_field(allow_none=True, metadata={"description": "service (jenis layanan) code"})
    officer = nip_field(allow_none=True, metadata={"description": "NIP of the officer who served, if known"})
    answers = fields.Dict(
        keys=fields.String(validate=validate.OneOf(skm.UNSUR_CODES)),
        values=fields.Integer(strict=True, allow_none=True, validate=validate.Range(1, 4)),
        required=True, metadata={"description": "U1..U9 -> 1..4; an unsur may be left out"})
    profile = fields.Nested(ProfileSchema, allow_none=True)
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))
    lang = fields.String(validate=validate.OneOf(["id", "en"]), allow_none=True)

    @validates_schema
    def at_least_one_answer(self, data, **kwargs):
        if not any(v is not None for v in (data.get("answers") or {}).values()):
            raise ValidationError("jawab minimal satu unsur / answer at least one element", "answers")


class AcceptedOut(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True)
    unit = fields.String(required=True)
    period = fields.String(required=True)
    received_at = fields.DateTime(required=True)


class UnitIn(Schema):
    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=200))
    parent = code_field(allow_none=True)
    head_nip = nip_field(allow_none=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    parent = fields.String(allow_none=True)
    head_nip = fields.String(allow_none=True)
    rev = fields.Integer()


class BacklogOut(Schema):
    pending = fields.Integer()
    oldest_pending_at = fields.String(allow_none=True)
