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


class TrainingFact(Document):
    meta = {"collection": "agg_training_facts", "indexes": ["programme"]}
    id = StringField(primary_key=True)
    programme = StringField(required=True)
    values = DictField(required=True)
    period = StringField(required=True)
    at = DateTimeField(required=True)


def is_training(event: Event) -> bool:
    return event.type == payloads.TRAINING_REACTION


def fact_of(event: Event) -> dict[str, Any]:
    p = event.payload
    return {"_id": p["reaction_id"], "programme": p["programme"], "values": p["values"], "period": p["period"],
            "at": datetime.fromisoformat(str(p["submitted_at"]).replace("Z", "+00:00"))}


def record(facts: list[dict]) -> None:
    if facts:
        db.insert_new(TrainingFact._get_collection(), facts)


def reaction(programme: str) -> dict[str, Any]:
    return {"programme": programme,
            **training.reaction_results(f.values for f in TrainingFact.objects(programme=programme))}
