"""Rencana tindak lanjut (RTL) of a unit and period: the unit head (or an admin) records the
actions taken from the lowest unsur; evaluators and supervisors read them; the public reads them
on the unit's page. Every change is a new revision (a stale ``rev``: 409)."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.contracts.formats import CODE, CODE_RE, WholeRegexp, period_field
from shared.domain import followup, skm
from shared.domain.periods import PeriodError, kind_of
from shared.platform.auth import ADMIN, EVALUATOR, SUPERVISOR, Principal, principal, public, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict
from shared.records.directory import unit_exists

from services.aggregator import action_plans

blp = Blueprint("action-plans", __name__, url_prefix="/api/v1",
                description="Rencana tindak lanjut (RTL): each unit's follow-up plan per period")


URL_MESSAGE = "tautan http:// atau https:// / an http:// or https:// link"


def check_url(value: str | None) -> None:
    """Evidence links are shown, never fetched: http or https to a named host only."""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValidationError(URL_MESSAGE)


class ActionPlanFields(Schema):
    kegiatan = fields.String(required=True, validate=validate.Length(min=3, max=500),
                             metadata={"description": "the action (kegiatan)"})
    unsur = fields.List(fields.String(validate=validate.OneOf(skm.UNSUR_CODES)), required=True,
                        validate=validate.Length(min=1, max=9),
                        metadata={"description": "unsur addressed, usually among the period's lowest"})
    waktu = fields.String(required=True, validate=validate.Length(min=2, max=100),
                          metadata={"description": "time frame as the plan states it, e.g. Januari-Maret 2027"})
    penanggung_jawab = fields.String(required=True, validate=validate.Length(min=2, max=200),
                                     metadata={"description": "person or position responsible"})
    status = fields.String(load_default="rencana", validate=validate.OneOf(followup.STATUS_CODES))
    evidence_note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                                  metadata={"description": "evidence: what was done"})
    evidence_url = fields.String(load_default=None, allow_none=True,
                                 validate=[validate.Length(max=500),
                                           WholeRegexp(r"^(https?://[^\s/?#]+\S*)?$", error=URL_MESSAGE)],
                                 metadata={"description": "evidence: an http(s) link (shown, never fetched)"})

    @validates("evidence_url")
    def _url(self, value, **kwargs):
        check_url(value)

    @validates("unsur")
    def _unique(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("setiap unsur sekali / each unsur once")


class ActionPlanIn(ActionPlanFields):
    unit = fields.String(required=True, validate=WholeRegexp(CODE))
    period = period_field(required=True)


class ActionPlanUpdate(ActionPlanFields):
    rev = fields.Integer(required=True, metadata={"description": "the revision this change is based on"})


class ActionPlanOut(Schema):
    item = fields.String()
    unit = fields.String()
    period = fields.String()
    kegiatan = fields.String()
    unsur = fields.List(fields.String())
    from_lowest = fields.Boolean(metadata={"description": "every unsur addressed is among the period's lowest"})
    waktu = fields.String()
    penanggung_jawab = fields.String()
    status = fields.String()
    evidence_note = fields.String(allow_none=True)
    evidence_url = fields.String(allow_none=True)
    rev = fields.Integer()
    changed_at = fields.DateTime()
    changed_by = fields.String(allow_none=True)


class PublicActionPlanOut(Schema):
    item = fields.String()
    kegiatan = fields.String()
    unsur = fields.List(fields.String())
    waktu = fields.String()
    penanggung_jawab = fields.String()
    status = fields.String()
    evidence_note = fields.String(allow_none=True)
    evidence_url = fields.String(allow_none=True)


class PlanQuery(Schema):
    unit = fields.String(validate=WholeRegexp(CODE))
    period = period_field(required=True)


class PublicPlanQuery(Schema):
    period = period_field(required=True)


def may_edit(who: Principal, unit: str) -> bool:
    """Admins, and the head of ``unit`` or of a unit above it."""
    return who.has(ADMIN) or (who.has(SUPERVISOR) and bool(who.nip) and who.nip in action_plans.heads_of_unit(unit))


def _check_period(period: str) -> None:
    try:
        kind_of(period)
    except PeriodError as exc:
        raise ApiError(422, errors={"period": [str(exc)]}) from None


def with_lowest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with ``from_lowest``: its unsur are all among its unit's lowest of the period."""
    from services.aggregator.queries import reports
    lowest: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        key = (row["unit"], row["period"])
        if key not in lowest:
            lowest[key] = set(reports.units(row["period"], row["unit"])[0]["lowest_unsur"])
        row["from_lowest"] = set(row["unsur"]) <= lowest[key]
    return rows


def create(data: dict[str, Any], who: Principal) -> dict[str, Any]:
    """A new action of a unit's plan (shared by the API and the page)."""
    _check_period(data["period"])
    if not unit_exists(data["unit"]):
        raise ApiError(422, errors={"unit": ["unit tidak dikenal / unknown unit"]})
    if not may_edit(who, data["unit"]):
        raise ApiError(403, "Hanya kepala unit atau admin", "Only the unit's head or an admin",
                       errors={"unit": ["hanya kepala unit ini atau admin / only this unit's head or an admin"]})
    record = action_plans.save(action_plans.new_item(), data, at=current_app.extensions["tanggap"].clock.now(),
                               by=who.sub, expected_rev=0)
    return with_lowest([action_plans.as_row(record)])[0]


def update(item: str, data: dict[str, Any], who: Principal) -> dict[str, Any]:
    """The next revision of an action (shared by the API and the page)."""
    current = action_plans.ActionPlan.head(item) if item.startswith("rtl-") else None
    if current is None:
        raise ApiError(404, errors={"item": ["tindakan tidak ditemukan / no such action"]})
    if not may_edit(who, current.unit):
        raise ApiError(403, "Hanya kepala unit atau admin", "Only the unit's head or an admin",
                       errors={"item": ["hanya kepala unit ini atau admin / only this unit's head or an admin"]})
    values = {k: v for k, v in data.items() if k != "rev"}
    try:
        record = action_plans.save(item, values, at=current_app.extensions["tanggap"].clock.now(), by=who.sub,
                                   expected_rev=data["rev"])
    except RevisionConflict as exc:
        raise ApiError(409, "Sudah diubah orang lain; muat ulang", "Changed by someone else; reload",
                       errors={"rev": [str(exc)]}) from None
    return with_lowest([action_plans.as_row(record)])[0]


@blp.route("/action-plans", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR)
@blp.arguments(PlanQuery, location="query")
@blp.response(200, ActionPlanOut(many=True))
def list_plans(args):
    """The current actions of every unit's plan (or one unit's) for a period."""
    _check_period(args["period"])
    return with_lowest(action_plans.of(args.get("unit"), args["period"]))


@blp.route("/action-plans", methods=["POST"])
@require(ADMIN, SUPERVISOR)
@blp.arguments(ActionPlanIn)
@blp.response(201, ActionPlanOut)
@refuses(blp, 403, "neither an admin nor the head of this unit (or of a unit above it)")
@refuses(blp, 422, "an unknown unit, or an evidence link without a host")
def create_plan(data):
    """Record an action of a unit's RTL (admins; supervisors who head the unit or one above it)."""
    return create(data, principal())


@blp.route("/action-plans/<item>", methods=["PUT"])
@require(ADMIN, SUPERVISOR)
@blp.arguments(ActionPlanUpdate)
@blp.response(200, ActionPlanOut)
@refuses(blp, 403, "neither an admin nor the head of this unit (or of a unit above it)")
@refuses(blp, 404, "no such action")
@refuses(blp, 409, "changed since revision rev: reload and send it again")
@refuses(blp, 422, "an evidence link without a host")
def update_plan(data, item):
    """Change an action (status, evidence, ...): a new revision; the older ones stay."""
    return update(item, data, principal())


@blp.route("/action-plans/<item>/revisions", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR)
@blp.response(200, ActionPlanOut(many=True))
@refuses(blp, 404, "no such action")
def plan_revisions(item):
    """Every revision of an action, oldest first."""
    rows = action_plans.history(item) if item.startswith("rtl-") else []
    if not rows:
        raise ApiError(404, errors={"item": ["tindakan tidak ditemukan / no such action"]})
    return with_lowest(rows)


@blp.route("/public/units/<code>/action-plans", methods=["GET"])
@public
@blp.arguments(PublicPlanQuery, location="query")
@blp.response(200, PublicActionPlanOut(many=True))
@refuses(blp, 404, "no unit with this code")
def public_plans(args, code):
    """A unit's RTL for a period as published (no author or revision data)."""
    _check_period(args["period"])
    if not CODE_RE.match(code) or not unit_exists(code):
        raise ApiError(404, errors={"code": ["unit tidak dikenal / unknown unit"]})
    return action_plans.of(code, args["period"])
