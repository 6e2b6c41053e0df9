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
    """The state documents with these ids (see :func:`.state.doc_id`).

    Asked for by topic, partition and period (equalities) before the ids: the local
    MongoDB-protocol server hands equalities to its storage but checks ``$in`` itself, so
    this reads the documents of those partitions and months, not the whole collection.
    """
    groups: dict[tuple[str, int, str], list[str]] = {}
    for did in ids:
        topic, partition, _kind, _scope, period = did.split("|")
        groups.setdefault((topic, int(partition), period), []).append(did)
    out: dict[str, dict] = {}
    for (topic, partition, period), wanted in groups.items():
        for start in range(0, len(wanted), 2000):
            query = {"topic": topic, "partition": partition, "period": period,
                     "_id": {"$in": wanted[start:start + 2000]}}
            for doc in collection().find(query):
                out[doc["_id"]] = doc
    return out


def save(docs: list[dict]) -> None:
    ops = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]
    coll = collection()
    for start in range(0, len(ops), WRITE_CHUNK):
        coll.bulk_write(ops[start:start + WRITE_CHUNK], ordered=False)


SCOPES_ONE_BY_ONE = 20  # up to this many scopes are asked for by equality, one query each


def find_months(query: dict, months: Iterable[str], projection: dict | None = None, *,
                scopes: Iterable[str] | None = None, coll=None) -> list[dict]:
    """Documents matching ``query`` in any of ``months`` (and, if given, any of ``scopes``).

    Asked for by equality, one query per month (and per scope when there are few): the local
    MongoDB-protocol server hands equalities to PostgreSQL but checks ``$in`` itself, after
    reading and decoding every document of the kind, which grows with all the months stored.
    """
    coll = collection() if coll is None else coll
    scope_list = None if scopes is None else sorted(set(scopes))
    if scope_list is None:
        shapes = [{}]
    elif len(scope_list) <= SCOPES_ONE_BY_ONE:
        shapes = [{"scope": s} for s in scope_list]
    else:
        shapes = [{"scope": {"$in": scope_list}}]
    out: list[dict] = []
    for month in dict.fromkeys(months):
        for shape in shapes:
            out.extend(coll.find({**query, **shape, "period": month}, projection))
    return out


def find(kind: str, *, scope: str | None = None, periods: list[str] | None = None, extra: dict | None = None) -> list[dict]:
    query: dict = {"kind": kind, **(extra or {})}
    if scope is not None:
        query["scope"] = scope
    if periods is not None:
        return find_months(query, periods)
    return list(collection().find(query))


def skm_totals(unit: str, period: str) -> skm.Totals:
    """The unit's SKM totals for a month, quarter or year (merged over partitions and months)."""
    total = skm.Totals()
    for doc in find(state.SKM, scope=unit, periods=months_in(period)):
        total = total.merge(skm.Totals.from_dict(doc["unit"]))
    return total
