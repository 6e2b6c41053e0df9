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


class EffectQuery(Schema):
    period = period_field(metadata={"description": "cases opened in this month, quarter, semester or year "
                                                  "(default: this year)"})


class EffectStatsOut(Schema):
    cases = fields.Integer(metadata={"description": "cases opened in the period"})
    recovered = fields.Integer(metadata={"description": "closed: the rule found the problem gone"})
    recovered_percent = fields.Float(allow_none=True)
    median_days_to_recovery = fields.Float(allow_none=True, metadata={"description": "local days, opening to "
                                                                                     "closing"})
    came_back = fields.Integer(metadata={"description": "recovered, then the same rule opened another case about "
                                                        "the same subject"})
    came_back_percent = fields.Float(allow_none=True, metadata={"description": "of the recovered"})
    mean_change = fields.Float(allow_none=True, metadata={"description": "the rule's indicator at closing minus at "
                                                                        "opening (officer index, unit IKM, percent "
                                                                        "of complaints answered in time), mean, "
                                                                        "rounded half-up to 2 decimals"})
    changes = fields.Integer(metadata={"description": "recovered cases with that number at both ends"})


class EffectRuleOut(EffectStatsOut):
    rule = fields.String()
    kind = fields.String()


class EffectSupervisorOut(EffectStatsOut):
    supervisor = fields.String(allow_none=True, metadata={"description": "NIP of the subject's direct supervisor "
                                                                        "(a unit case: the unit head); null: none "
                                                                        "recorded"})


class EffectOut(Schema):
    period = fields.String()
    total = fields.Nested(EffectStatsOut)
    rules = fields.List(fields.Nested(EffectRuleOut))
    supervisors = fields.List(fields.Nested(EffectSupervisorOut))


@blp.route("/effect", methods=["GET"])
@require(ADMIN, EVALUATOR)
@blp.arguments(EffectQuery, location="query")
@blp.response(200, EffectOut)
def coaching_effect(args):
    """Did coaching help? Of the cases opened in the period, per rule and per supervisor: how
    many recovered, how fast (median days), how many came back, and how the rule's own
    indicator moved from opening to closing."""
    from flask import current_app

    from shared.platform.web import this_month

    from services.aggregator.coaching import effect_records as queries

    period = args.get("period") or this_month()[:4]
    return queries.of_period(period, current_app.extensions["tanggap"].settings.timezone)


recognitions_blp = Blueprint("recognitions", __name__, url_prefix="/api/v1/recognitions",
                             description="Apresiasi: outstanding work the recognition rules found (evaluators, "
                                         "admins; supervisors: their own team)")


class RecognitionQuery(Schema):
    period = period_field()
    unit = code_field()
    employee = nip_field()
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


@recognitions_blp.route("", methods=["GET"])
@require(ADMIN, EVALUATOR, SUPERVISOR)
@recognitions_blp.arguments(RecognitionQuery, location="query")
@recognitions_blp.response(200, CaseOut(many=True))
@refuses(recognitions_blp, 403, "a supervisor asking about someone outside their team")
def list_recognitions(args):
    """Appreciations per period, newest first: an officer index in the unit's top share, or
    every released BerAKHLAK value Di Atas Ekspektasi (the rules ``officer-top`` and
    ``berakhlak-above``). Each is given once per person and period; the notifier tells the
    supervisor, and the employee sees it on their own record."""
    return listing(period=args.get("period"), unit=args.get("unit"), nips=people(args.get("employee")),
                   limit=args["limit"], recognitions=True)


trainings_blp = Blueprint("training_results", __name__, url_prefix="/api/v1/trainings",
                          description="Training evaluation results per programme (evaluators, admins)")


class ReactionOut(Schema):
    programme = fields.String()
    respondents = fields.Integer(allow_none=True, metadata={"description": "null while the answer window is open"})
    min_respondents = fields.Integer()
    released = fields.Boolean(metadata={"description": "false while the answer window is open or below the "
                                                      "minimum: no means are shown"})
    window_open = fields.Boolean(metadata={"description": "answers are still taken: the results show once it "
                                                         "closes, so they never change one answer at a time"})
    means = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                        metadata={"description": "relevance, material, trainer, method, facilities, overall: "
                                                 "1-5, exact means rounded half-up to 2 decimals"})


@trainings_blp.route("/<code>/reaction", methods=["GET"])
@require(ADMIN, EVALUATOR)
@trainings_blp.response(200, ReactionOut)
@refuses(trainings_blp, 404, "no such programme")
def training_reaction(code):
    """Level 1 (reaction): the participants' answers of a programme, only with at least three
    respondents, never per person."""
    _known_programme(code)
    from flask import current_app

    from services.aggregator.state import training_facts
    ext = current_app.extensions["tanggap"]
    return training_facts.reaction(code, ext.settings, ext.clock.now())


class ResultsQuery(Schema):
    months = fields.Integer(load_default=3, validate=validate.Range(1, 12),
                            metadata={"description": "whole months on each side of the training"})
    min_responses = fields.Integer(load_default=10, validate=validate.Range(1, 10000),
                                   metadata={"description": "responses an officer needs on each side"})


class DidOut(Schema):
    indicator = fields.String(metadata={"description": "officer_index, or an unsur the programme addresses (x 25)"})
    participants = fields.Integer()
    controls = fields.Integer(metadata={"description": "colleagues of the same units who did not attend"})
    min_group = fields.Integer()
    enough = fields.Boolean(metadata={"description": "false: data belum cukup, no number is given"})
    message = fields.String()
    method = fields.String()
    before = fields.Float()
    after = fields.Float()
    controls_before = fields.Float()
    controls_after = fields.Float()
    change = fields.Float()
    controls_change = fields.Float()
    effect = fields.Float(metadata={"description": "the participants' change minus the controls' change"})
    ci95 = fields.List(fields.Float(), metadata={"description": "95 % interval of the effect"})


class Level4Out(Schema):
    programme = fields.String()
    before = fields.List(fields.String(), metadata={"description": "first and last month before"})
    after = fields.List(fields.String(), metadata={"description": "first and last month after"})
    min_responses = fields.Integer()
    indicators = fields.List(fields.Nested(DidOut))


@trainings_blp.route("/<code>/results", methods=["GET"])
@require(ADMIN, EVALUATOR)
@trainings_blp.arguments(ResultsQuery, location="query")
@trainings_blp.response(200, Level4Out)
@refuses(trainings_blp, 404, "no such programme")
def training_results(args, code):
    """Level 4 (results): the participants' officer index (and the unsur the programme
    addresses) over the months before the training against the months after, compared with
    the same change for their colleagues who did not attend (difference in differences), with
    counts and a 95 % interval; "data belum cukup" below three officers in either group."""
    from shared.platform.errors import ApiError

    from services.aggregator.queries import training_results as level4

    found = level4.level4(code, args["months"], args["min_responses"])
    if found is None:
        raise ApiError(404, errors={"code": ["program tidak dikenal / unknown programme"]})
    return found


class LearningOut(Schema):
    programme = fields.String()
    participants = fields.Integer(metadata={"description": "participants with both scores"})
    min_respondents = fields.Integer()
    released = fields.Boolean()
    pre = fields.Float()
    post = fields.Float()
    gain = fields.Float(metadata={"description": "post minus pre, mean"})
    improved_percent = fields.Float()


@trainings_blp.route("/<code>/learning", methods=["GET"])
@require(ADMIN, EVALUATOR)
@trainings_blp.response(200, LearningOut)
@refuses(trainings_blp, 404, "no such programme")
def training_learning(code):
    """Level 2 (learning): pre- and post-test means, the mean gain and the share who improved;
    only with at least three participants scored, never per person."""
    _known_programme(code)
    from services.aggregator.state import training_facts
    return training_facts.learning(code)


class RoleAnswersOut(Schema):
    respondents = fields.Integer(allow_none=True)
    min_respondents = fields.Integer()
    released = fields.Boolean()
    window_open = fields.Boolean()
    means = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                        metadata={"description": "applied, improved, citizens, support: 1-5"})


class BehaviourOut(Schema):
    programme = fields.String()
    alumnus = fields.Nested(RoleAnswersOut, metadata={"description": "the alumni about themselves"})
    supervisor = fields.Nested(RoleAnswersOut, metadata={"description": "their supervisors about them"})


@trainings_blp.route("/<code>/behaviour", methods=["GET"])
@require(ADMIN, EVALUATOR)
@trainings_blp.response(200, BehaviourOut)
@refuses(trainings_blp, 404, "no such programme")
def training_behaviour(code):
    """Level 3 (behaviour): months after the training, do the alumni apply it, by their own
    account and by their supervisors'? Each only from three respondents, never per person."""
    _known_programme(code)
    from flask import current_app

    from services.aggregator.state import training_facts
    ext = current_app.extensions["tanggap"]
    return training_facts.behaviour(code, ext.settings, ext.clock.now())


def _known_programme(code: str) -> None:
    """404 for a code no programme has (or that no code can be)."""
    from shared.contracts.formats import CODE_RE
    from shared.platform.errors import ApiError
    from shared.records.trainings import TrainingProgramme
    if not CODE_RE.match(code) or TrainingProgramme.head(code) is None:
        raise ApiError(404, errors={"code": ["program tidak dikenal / unknown programme"]})
