"""Aggregator configuration an admin edits: SKM weights, populations, peer thresholds and
coaching rules. Every change is a new revision (two concurrent edits: one gets 409).

Each endpoint's body is a plain ``save_*`` function taking the schema's loaded data and who
changes it: the admin pages (:mod:`.admin_pages`) call the same functions with the same
schemas, so a page and the API accept, refuse and store the same things."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.formats import CODE_RE, StrictBoolean, period_field
from shared.domain import berakhlak, skm
from shared.platform.auth import ADMIN, principal, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict

from services.aggregator import indicator_policy
from services.aggregator.coaching import rule_config, rules

blp = Blueprint("aggregator-admin", __name__, url_prefix="/api/v1/admin",
                description="Aggregator configuration (admins): weights, populations, peer thresholds, coaching rules")


def _save(model, key: str, values: dict, by: str):
    ext = current_app.extensions["tanggap"]
    try:
        record, _ = model.save_revision(key, values, at=ext.clock.now(), by=by)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"_schema": [str(exc)]}) from None
    return record


def _scope(scope: str) -> str:
    if scope != indicator_policy.GLOBAL and not CODE_RE.match(scope):
        raise ApiError(422, errors={"scope": ["'*' atau kode unit / '*' or a unit code"]})
    return scope


# -- SKM weights ------------------------------------------------------------------------------

class WeightField(fields.Field):
    """A weight as written: a JSON number (read as the decimal it prints as) or text, a
    decimal (``"0.15"``) or a fraction (``"1/9"``); kept as that text, so it stays exact."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else skm.weight_text(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValidationError("a number, or text such as 0.15 or 1/9")
        try:
            fraction = skm.exact(value)
        except skm.WeightsError as exc:
            raise ValidationError(str(exc)) from None
        if not 0 <= fraction <= 1:
            raise ValidationError("between 0 and 1")
        return skm.weight_text(value)


class WeightsIn(Schema):
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(skm.UNSUR_CODES)),
                          values=WeightField(metadata={"oneOf": [{"type": "number", "minimum": 0, "maximum": 1},
                                                                 {"type": "string",
                                                                  "pattern": skm.WEIGHT_TEXT.pattern}]}),
                          required=True,
                          metadata={"description": "unsur -> weight: non-negative, summing to exactly 1 "
                                                   "(write 1/9 as the text \"1/9\"); equal weights are the "
                                                   "regulation's"})
    reason = fields.String(validate=validate.Length(max=1000),
                           metadata={"description": "why the unit does not weigh the nine unsur equally (required "
                                                    "for weights other than equal; published with every result)"})

    @validates_schema
    def sums_to_one(self, data, **kwargs):
        try:
            skm.check_weights(data["weights"])
        except skm.WeightsError as exc:
            raise ValidationError(str(exc), "weights") from None
        if not skm.is_equal(data["weights"]) and not (data.get("reason") or "").strip():
            raise ValidationError("weights other than the regulation's equal ones need a reason, published with "
                                  "every result", "reason")


class WeightsOut(Schema):
    scope = fields.String()
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(skm.UNSUR_CODES)), values=WeightField(
        metadata={"type": "string", "description": "the weight as written"}))
    reason = fields.String(allow_none=True)
    rev = fields.Integer()


SCOPE = {"in": "path", "name": "scope", "description": "'*' (every unit without its own) or a unit code",
         "schema": {"type": "string", "pattern": r"^(\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$"}}
POPULATION_SCOPE = {"in": "path", "name": "scope", "description": "UNIT, or UNIT~SERVICE",
                    "schema": {"type": "string",
                               "pattern": r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(~[A-Za-z0-9][A-Za-z0-9_-]{0,63})?$"}}


@blp.route("/weights", methods=["GET"])
@require(ADMIN)
@blp.response(200, WeightsOut(many=True))
def list_weights():
    """Weights per scope ('*' = every unit without its own); absent: equal weights."""
    return indicator_policy.SkmWeights.heads()


@blp.route("/weights/<scope>", methods=["PUT"], parameters=[SCOPE])
@require(ADMIN)
@blp.arguments(WeightsIn)
@blp.response(200, WeightsOut)
@refuses(blp, 422, "weights that are not all the unsur's, or that do not sum to 1")
@refuses(blp, 409, "changed concurrently: send it again")
def put_weights(data, scope):
    """Set the weights of a unit, or of every unit ('*')."""
    return save_weights(scope, data, principal().sub)


def save_weights(scope: str, data: dict, by: str) -> indicator_policy.SkmWeights:
    """``data`` as :class:`WeightsIn` loaded it; ApiError 422 for a bad scope, 409 on a conflict."""
    return _save(indicator_policy.SkmWeights, _scope(scope),
                 {"weights": data["weights"], "reason": (data.get("reason") or "").strip() or None}, by)


# -- populations ------------------------------------------------------------------------------

class PopulationIn(Schema):
    period = period_field(required=True)
    population = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100_000_000))


class PopulationOut(Schema):
    scope = fields.String()
    period = fields.String()
    population = fields.Integer()
    target = fields.Method("krejcie_morgan")
    rev = fields.Integer()

    def krejcie_morgan(self, obj):
        return skm.krejcie_morgan(obj.population)


class PopulationQuery(Schema):
    period = period_field()


@blp.route("/populations", methods=["GET"])
@require(ADMIN)
@blp.arguments(PopulationQuery, location="query")
@blp.response(200, PopulationOut(many=True))
def list_populations(args):
    """Configured populations (service users) per unit or unit~service and period."""
    return indicator_policy.Population.heads(**({"period": args["period"]} if args.get("period") else {}))


@blp.route("/populations/<scope>", methods=["PUT"], parameters=[POPULATION_SCOPE])
@require(ADMIN)
@blp.arguments(PopulationIn)
@blp.response(200, PopulationOut)
@refuses(blp, 409, "changed concurrently: send it again")
def put_population(data, scope):
    """Set the population of a unit (``UNIT``) or a service (``UNIT~SERVICE``) in a period."""
    return save_population(scope, data, principal().sub)


def save_population(scope: str, data: dict, by: str) -> indicator_policy.Population:
    """``data`` as :class:`PopulationIn` loaded it; ApiError 422 for a bad scope, 409 on a conflict."""
    parts = scope.split("~")
    if len(parts) > 2 or any(not CODE_RE.match(p) for p in parts):
        raise ApiError(422, errors={"scope": ["UNIT atau UNIT~LAYANAN / UNIT or UNIT~SERVICE"]})
    ref = indicator_policy.population_ref(scope, data["period"])
    return _save(indicator_policy.Population, ref,
                 {"scope": scope, "period": data["period"], "population": data["population"]}, by)


# -- peer policy ------------------------------------------------------------------------------

class PeerIn(Schema):
    min_raters = fields.Integer(required=True, strict=True,
                                validate=validate.Range(berakhlak.MIN_RATERS_FLOOR, 1000,
                                                        error="paling sedikit 3 / at least 3"))
    below = fields.Float(required=True, validate=validate.Range(1, 10))
    above = fields.Float(required=True, validate=validate.Range(1, 10))
    failing_value = fields.String(validate=validate.OneOf(berakhlak.FAILING_VALUE), load_default=berakhlak.CAP,
                                  metadata={"description": "a core value rated Di Bawah Ekspektasi makes the perilaku "
                                                           "at most Sesuai (cap, the default) or Di Bawah (below)"})

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["below"] >= data["above"]:
            raise ValidationError("below < above", "below")


class PeerOut(Schema):
    min_raters = fields.Integer()
    below = fields.Float()
    above = fields.Float()
    failing_value = fields.String(attribute="failing", validate=validate.OneOf(berakhlak.FAILING_VALUE))


@blp.route("/peer-policy", methods=["GET"])
@require(ADMIN)
@blp.response(200, PeerOut)
def get_peer_policy():
    """Release threshold (distinct raters, never below 3) and the perilaku thresholds."""
    return indicator_policy.peer()


@blp.route("/peer-policy", methods=["PUT"])
@require(ADMIN)
@blp.arguments(PeerIn)
@blp.response(200, PeerOut)
@refuses(blp, 422, "``below`` not lower than ``above``")
@refuses(blp, 409, "changed concurrently: send it again")
def put_peer_policy(data):
    """Mean below ``below``: Di Bawah Ekspektasi; at or above ``above``: Di Atas; else Sesuai."""
    return save_peer_policy(data, principal().sub)


def save_peer_policy(data: dict, by: str) -> indicator_policy.Peer:
    """``data`` as :class:`PeerIn` loaded it; the policy now in force."""
    _save(indicator_policy.PeerPolicy, indicator_policy.GLOBAL, data, by)
    return indicator_policy.peer()


# -- coaching rules ---------------------------------------------------------------------------

class RuleIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(rules.KINDS))
    severity = fields.String(load_default="warning", validate=validate.OneOf(["info", "warning", "critical"]))
    enabled = StrictBoolean(load_default=True)
    params = fields.Nested(rules.AnyParams, load_default=dict,
                           metadata={"description": "the kind's parameters (each kind takes some of these); "
                                                    "absent ones take the kind's defaults"})

    @validates_schema
    def params_fit_the_kind(self, data, **kwargs):
        try:
            data["params"] = rules.check_params(data["kind"], data.get("params") or {})
        except ValidationError as exc:
            raise ValidationError({"params": exc.messages}) from None


class RuleOut(Schema):
    code = fields.String()
    kind = fields.String()
    severity = fields.String()
    enabled = fields.Boolean()
    params = fields.Nested(rules.AnyParams)


@blp.route("/rules", methods=["GET"])
@require(ADMIN)
@blp.response(200, RuleOut(many=True))
def list_rules():
    """Every coaching rule, with its parameters filled in (built-in defaults until edited)."""
    return rule_rows()


def rule_rows() -> list[dict]:
    return [{"code": r.code, "kind": r.kind, "severity": r.severity, "enabled": r.enabled,
             "params": rules.check_params(r.kind, r.params)} for r in rule_config.rules()]


@blp.route("/rules/<code>", methods=["PUT"])
@require(ADMIN)
@blp.arguments(RuleIn)
@blp.response(200, RuleOut)
@refuses(blp, 422, "parameters the rule's kind does not take")
@refuses(blp, 409, "changed concurrently: send it again")
def put_rule(data, code):
    """Create or change a rule (``enabled: false`` switches it off). Applies from the next batch."""
    return save_rule(code, data, principal().sub)


def save_rule(code: str, data: dict, by: str) -> dict:
    """``data`` as :class:`RuleIn` loaded it; ApiError 422 for a bad code, 409 on a conflict."""
    if not CODE_RE.match(code):
        raise ApiError(422, errors={"code": ["kode tidak valid / invalid code"]})
    record = _save(rule_config.CoachingRule, code, data, by)
    return {"code": record.code, "kind": record.kind, "severity": record.severity, "enabled": record.enabled,
            "params": record.params}

