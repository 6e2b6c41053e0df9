"""The aggregator's record of training reactions: one fact per ``training.reaction.submitted``
event (``_id`` = the reaction id: a redelivered event inserts nothing), inserted by the worker
owning the partition; the programme's results are computed from them when asked (see
:func:`shared.domain.training.reaction_results`): only with at least three respondents."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from mongoengine import DateTimeField, DictField, Document, StringField

from shared.contracts import payloads
from shared.contracts.events import Event
from shared.domain import training
from shared.platform import db
from shared.platform.config import Settings


class TrainingFact(Document):
    meta = {"collection": "agg_training_facts", "indexes": ["programme"]}
    id = StringField(primary_key=True)
    programme = StringField(required=True)
    values = DictField(required=True)
    period = StringField(required=True)
    at = DateTimeField(required=True)


class TrainingScoreFact(Document):
    """One import of pre- and post-test scores (level 2), keyed by the import id."""

    meta = {"collection": "agg_training_score_facts", "indexes": ["programme"]}
    id = StringField(primary_key=True)
    programme = StringField(required=True)
    scores = DictField(required=True)        # reaction key -> [pre, post]
    at = DateTimeField(required=True)


class TrainingFollowUpFact(Document):
    """One level-3 answer (alumnus or supervisor), keyed by its id."""

    meta = {"collection": "agg_training_followup_facts", "indexes": ["programme"]}
    id = StringField(primary_key=True)
    programme = StringField(required=True)
    role = StringField(required=True)
    values = DictField(required=True)
    at = DateTimeField(required=True)


def is_training(event: Event) -> bool:
    return event.type in (payloads.TRAINING_REACTION, payloads.TRAINING_SCORES, payloads.TRAINING_FOLLOWUP)


def _dt(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def fact_of(event: Event) -> dict[str, Any]:
    p = event.payload
    if event.type == payloads.TRAINING_FOLLOWUP:
        return {"_id": p["followup_id"], "programme": p["programme"], "role": p["role"], "values": p["values"],
                "at": _dt(p["submitted_at"]), "_kind": "followup"}
    if event.type == payloads.TRAINING_SCORES:
        return {"_id": p["import_id"], "programme": p["programme"], "scores": p["scores"],
                "at": _dt(p["recorded_at"]), "_kind": "scores"}
    return {"_id": p["reaction_id"], "programme": p["programme"], "values": p["values"], "period": p["period"],
            "at": _dt(p["submitted_at"])}


def record(facts: list[dict]) -> None:
    scores = [{k: v for k, v in f.items() if k != "_kind"} for f in facts if f.get("_kind") == "scores"]
    followups = [{k: v for k, v in f.items() if k != "_kind"} for f in facts if f.get("_kind") == "followup"]
    reactions = [f for f in facts if "_kind" not in f]
    if followups:
        db.insert_new(TrainingFollowUpFact._get_collection(), followups)
    if reactions:
        db.insert_new(TrainingFact._get_collection(), reactions)
    if scores:
        db.insert_new(TrainingScoreFact._get_collection(), scores)


def learning(programme: str) -> dict[str, Any]:
    """Level 2 of a programme: each participant's latest scores (a later import counts)."""
    latest: dict[str, tuple[float, float]] = {}
    for fact in TrainingScoreFact.objects(programme=programme).order_by("at"):
        latest.update({key: (pair[0], pair[1]) for key, pair in (fact.scores or {}).items()})
    return {"programme": programme, **training.learning_results(latest.values())}


def _window(settings: Settings, programme: str, which: str):
    """(last day answers count, whether the window has closed by now), from the programme."""
    from datetime import date

    from shared.records.trainings import TrainingProgramme
    found = TrainingProgramme.head(programme)
    if found is None:
        return None
    end = date.fromisoformat(found.end)
    _first, last = (training.reaction_window(end, settings.holiday_dates) if which == "reaction" else
                    training.followup_window(end, settings.training_followup_months, settings.holiday_dates))
    return last


def _within(settings: Settings, facts, last) -> list:
    from shared.domain.complaints import local_day
    return [f for f in facts if last is None or local_day(f.at, settings.timezone) <= last]


def reaction(programme: str, settings: Settings, now: datetime) -> dict[str, Any]:
    """Level 1, once the answer window has closed, from the answers given within it."""
    from shared.domain.complaints import local_day
    last = _window(settings, programme, "reaction")
    closed = last is None or local_day(now, settings.timezone) > last
    facts = _within(settings, TrainingFact.objects(programme=programme), last)
    return {"programme": programme, **training.reaction_results((f.values for f in facts), closed=closed)}


def behaviour(programme: str, settings: Settings, now: datetime) -> dict[str, Any]:
    """Level 3 of a programme: the alumni's answers and their supervisors', each only from three,
    once the follow-up window has closed, from the answers given within it."""
    from shared.domain.complaints import local_day
    last = _window(settings, programme, "followup")
    closed = last is None or local_day(now, settings.timezone) > last
    by_role: dict[str, list[dict]] = {role: [] for role in training.ROLES}
    for fact in _within(settings, TrainingFollowUpFact.objects(programme=programme), last):
        by_role.setdefault(fact.role, []).append(fact.values)
    return {"programme": programme, **{role: training.reaction_results(rows, training.APPLICATION_CODES, closed)
                                       for role, rows in by_role.items()}}
