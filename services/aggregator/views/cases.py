"""Coaching cases the aggregator decided (read-only; the notifier follows them up)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.contracts.formats import code_field, nip_field, period_field
from shared.platform.auth import ADMIN, EVALUATOR, SUPERVISOR, require
from shared.platform.openapi import refuses

from services.aggregator.coaching.cases import listing
from services.aggregator.views.access import people

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases",
                description="Coaching cases decided by the rules (evaluators, admins; supervisors: their own team)")


class CaseQuery(Schema):
    status = fields.String(validate=validate.OneOf(["open", "closed", "all"]), load_default="all")
    period = period_field()
    unit = code_field()
    employee = nip_field()
    rule = code_field()
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class SummaryOut(Schema):
    id = fields.String(metadata={"description": "in Bahasa Indonesia"})
    en = fields.String()


class CaseOut(Schema):
    case_id = fields.String(attribute="_id")
    rule = fields.String()
    subject_type = fields.String()
    subject = fields.String()
    unit = fields.String(allow_none=True)
    period = fields.String()
    generation = fields.Integer()
    severity = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    summary = fields.Nested(SummaryOut, metadata={"description": "what the rule found, naming nobody"})
    evidence = fields.Dict(metadata={"description": "the rule, its thresholds and the values it saw"})


@blp.route("", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR)
@blp.arguments(CaseQuery, location="query")
@blp.response(200, CaseOut(many=True))
@refuses(blp, 403, "a supervisor asking about someone outside their team")
def list_cases(args):
    """Newest first. Supervisors see the cases of employees in their team only."""
    return listing(status=args["status"], period=args.get("period"), unit=args.get("unit"), rule=args.get("rule"),
                   nips=people(args.get("employee")), limit=args["limit"])
