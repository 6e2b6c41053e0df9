"""Where indicator state lives, and reading it back merged across partitions."""
from __future__ import annotations

from typing import Iterable

from mongoengine import DictField, Document, IntField, StringField
from pymongo import ReplaceOne

from shared import skm
from shared.periods import months_in

from . import state

WRITE_CHUNK = 40  # bulk commands stay small (FerretDB wedges on large bulk updates)


class IndicatorState(Document):
    """One state document (see :mod:`.state`). Written only by the consumer owning
    ``(topic, partition)``; read by everyone. Stored as plain dicts for speed."""

    meta = {"collection": "indicator_state", "strict": False,
            "indexes": [("kind", "scope", "period"), ("kind", "period")]}
    id = StringField(primary_key=True)
    topic = StringField(required=True)
    partition = IntField(required=True)
    kind = StringField(required=True)
    scope = StringField(required=True)
    period = StringField(required=True)
    applied = IntField(required=True)
    extra = DictField()


def collection():
    return IndicatorState._get_collection()


def load(ids: Iterable[str]) -> dict[str, dict]:
    ids = list(ids)
    out: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        for doc in collection().find({"_id": {"$in": ids[start:start + 500]}}):
            out[doc["_id"]] = doc
    return out


def save(docs: list[dict]) -> None:
    ops = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]
    coll = collection()
    for start in range(0, len(ops), WRITE_CHUNK):
        coll.bulk_write(ops[start:start + WRITE_CHUNK], ordered=False)


def find(kind: str, *, scope: str | None = None, periods: list[str] | None = None, extra: dict | None = None) -> list[dict]:
    query: dict = {"kind": kind}
    if scope is not None:
        query["scope"] = scope
    if periods is not None:
        query["period"] = {"$in": periods}
    if extra:
        query.update(extra)
    return list(collection().find(query))


def skm_totals(unit: str, period: str) -> skm.Totals:
    """The unit's SKM totals for a month, quarter or year (merged over partitions and months)."""
    total = skm.Totals()
    for doc in find(state.SKM, scope=unit, periods=months_in(period)):
        total = total.merge(skm.Totals.from_dict(doc["unit"]))
    return total
