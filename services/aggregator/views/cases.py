"""Coaching cases the aggregator decided (read-only; the notifier follows them up)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import ADMIN, EVALUATOR, SUPERVISOR, require

from ..cases import Case, Closure
from .access import CODE, NIP, PERIOD, people

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases",
                description="Coaching cases decided by the rules (evaluators, admins; supervisors: their own team)")


class CaseQuery(Schema):
    status = fields.String(validate=validate.OneOf(["open", "closed", "all"]), load_default="all")
    period = fields.String(validate=validate.Regexp(PERIOD, error="YYYY-MM, YYYY-Qn atau YYYY"))
    unit = fields.String(validate=validate.Regexp(CODE))
    employee = fields.String(validate=validate.Regexp(NIP, error="NIP harus 18 digit / NIP must be 18 digits"))
    rule = fields.String(validate=validate.Regexp(CODE))
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


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
    summary = fields.Dict()
    evidence = fields.Dict()


@blp.route("", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR)
@blp.arguments(CaseQuery, location="query")
@blp.response(200, CaseOut(many=True))
def list_cases(args):
    """Newest first. Supervisors see the cases of employees in their team only."""
    query: dict = {}
    for name in ("period", "unit", "rule"):
        if args.get(name):
            query[name] = args[name]
    allowed = people(args.get("employee"))
    if allowed is not None:
        query.update(subject_type="employee", subject={"$in": sorted(allowed)})
    found = list(Case._get_collection().find(query).sort("opened_at", -1).limit(args["limit"] * 2))
    closures = {c["_id"]: c for c in Closure._get_collection().find({"_id": {"$in": [c["_id"] for c in found]}})}
    out = []
    for case in found:
        closed = closures.get(case["_id"])
        if args["status"] == "open" and closed or args["status"] == "closed" and not closed:
            continue
        out.append({**case, "closed_at": closed["closed_at"] if closed else None})
    return out[:args["limit"]]
