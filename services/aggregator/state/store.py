"""Where indicator state lives, and reading it back merged across partitions."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mongoengine import DictField, Document, IntField, StringField
from pymongo import DeleteOne, ReplaceOne

from shared.domain import skm
from shared.domain.periods import months_in

from services.aggregator.state import fold

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


OFFICER_STATE = "indicator_officer_state"   # + "_YYYY_MM": the skm-officers documents of one month


def _db():
    return IndicatorState._get_db()


def month_name(prefix: str, period: str) -> str:
    return f"{prefix}_{period.replace('-', '_')}"


def collection(kind: str | None = None, period: str | None = None):
    """The collection holding state documents of ``kind`` (the main one when None).

    The ``skm-officers`` documents (a unit's per-officer SKM totals) are kept apart, one
    collection per month: the unit documents every unit query reads stay small, and an
    officer query or a worker's write touches one month's collection only. (The local
    MongoDB-protocol server reads every document of a collection for each query and
    decodes whole documents, so what a collection holds is what each query costs.)
    """
    if kind == fold.SKM_OFFICERS:
        if not period:
            raise ValueError("skm-officers state is kept per month: give the period")
        return _db()[month_name(OFFICER_STATE, period)]
    return IndicatorState._get_collection()


def officer_state_collections() -> list:
    return [_db()[name] for name in sorted(_db().list_collection_names()) if name.startswith(OFFICER_STATE + "_")]


def collections() -> list:
    """Every collection holding state documents."""
    return [IndicatorState._get_collection(), *officer_state_collections()]


def _kind_of(did: str) -> str:
    return did.split("|")[2]


def load(ids: Iterable[str]) -> dict[str, dict]:
    """The state documents with these ids (see :func:`.state.doc_id`).

    Asked for by topic, partition and period (equalities) before the ids: the local
    MongoDB-protocol server hands equalities to its storage but checks ``$in`` itself, so
    this reads the documents of those partitions and months, not the whole collection.
    """
    groups: dict[tuple[bool, str, int, str], list[str]] = {}
    for did in ids:
        topic, part, kind, _scope, period = did.split("|")
        groups.setdefault((kind == fold.SKM_OFFICERS, topic, int(part), period), []).append(did)
    calls = []
    for (officers, topic, partition, period), wanted in groups.items():
        coll = collection(fold.SKM_OFFICERS if officers else None, period)
        for start in range(0, len(wanted), 2000):
            query = {"topic": topic, "partition": partition, "period": period,
                     "_id": {"$in": wanted[start:start + 2000]}}
            calls.append(functools.partial(lambda c, q: list(c.find(q)), coll, query))
    return {doc["_id"]: doc for found in run_all(calls) for doc in found}


WRITERS = 3  # bulk commands in flight at once: the server works on one while the next is sent
_pool: ThreadPoolExecutor | None = None


def run_all(calls: list) -> list:
    """Run the callables a few at a time and return their results in order; every one runs,
    and the first error is raised after all have finished."""
    global _pool
    if len(calls) <= 1:
        return [call() for call in calls]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="state-io")
    futures = [_pool.submit(call) for call in calls]
    errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error
    return [f.result() for f in futures]


def save(docs: list[dict]) -> None:
    """Write the documents (each replaced whole), in bulk commands of ``WRITE_CHUNK``, a few
    commands at once. Each document has one writer, so the order among them is free."""
    groups: dict[tuple[str, str | None], list[dict]] = {}
    for d in docs:
        officers = d["kind"] == fold.SKM_OFFICERS
        groups.setdefault((d["kind"] if officers else "", d["period"] if officers else None), []).append(d)
    calls = []
    for (kind, period), mine in groups.items():
        coll = collection(kind or None, period)
        ops = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in mine]
        calls += [functools.partial(coll.bulk_write, ops[start:start + WRITE_CHUNK], ordered=False)
                  for start in range(0, len(ops), WRITE_CHUNK)]
    run_all(calls)


def delete(ids: Iterable[str]) -> None:
    """Remove these state documents (rebuild: documents the recomputation does not have)."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for did in ids:
        officers = _kind_of(did) == fold.SKM_OFFICERS
        groups.setdefault((fold.SKM_OFFICERS if officers else "", did.split("|")[4] if officers else None),
                          []).append(did)
    for (kind, period), mine in groups.items():
        coll = collection(kind or None, period)
        for start in range(0, len(mine), WRITE_CHUNK):
            coll.bulk_write([DeleteOne({"_id": d}) for d in mine[start:start + WRITE_CHUNK]], ordered=False)


SCOPES_ONE_BY_ONE = 20  # up to this many scopes are asked for by equality, one query each


def find_months(query: dict, months: Iterable[str], projection: dict | None = None, *,
                scopes: Iterable[str] | None = None, coll=None) -> list[dict]:
    """Documents matching ``query`` in any of ``months`` (and, if given, any of ``scopes``).

    Asked for by equality, one query per month (and per scope when there are few): the local
    MongoDB-protocol server hands equalities to PostgreSQL but checks ``$in`` itself, after
    reading and decoding every document of the kind, which grows with all the months stored.
    """
    fixed = coll
    scope_list = None if scopes is None else sorted(set(scopes))
    if scope_list is None:
        shapes: list[dict[str, Any]] = [{}]
    elif len(scope_list) <= SCOPES_ONE_BY_ONE:
        shapes = [{"scope": s} for s in scope_list]
    else:
        shapes = [{"scope": {"$in": scope_list}}]
    out: list[dict] = []
    for month in dict.fromkeys(months):
        coll = fixed if fixed is not None else collection(query.get("kind"), month)
        for shape in shapes:
            out.extend(coll.find({**query, **shape, "period": month}, projection))
    return out


def find(kind: str, *, scope: str | None = None, periods: list[str] | None = None,
         extra: dict | None = None) -> list[dict]:
    query: dict = {"kind": kind, **(extra or {})}
    if scope is not None:
        query["scope"] = scope
    if periods is not None:
        return find_months(query, periods)
    colls = officer_state_collections() if kind == fold.SKM_OFFICERS else [collection(kind)]
    return [doc for coll in colls for doc in coll.find(query)]


def skm_totals(unit: str, period: str) -> skm.Totals:
    """The unit's SKM totals for a month, quarter or year (merged over partitions and months)."""
    total = skm.Totals()
    for doc in find(fold.SKM, scope=unit, periods=months_in(period)):
        total = total.merge(skm.Totals.from_dict(doc["unit"]))
    return total
