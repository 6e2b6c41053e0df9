"""Where indicator state lives, and reading it back merged across partitions."""
from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from mongoengine import DictField, Document, IntField, StringField
from pymongo import DeleteOne, ReplaceOne
from pymongo.errors import BulkWriteError

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


OFFICER_STATE = "indicator_officer_state"   # + "_YYYY_MM": the skm-officers documents of one month


def _db():
    return IndicatorState._get_db()


def _month_name(prefix: str, period: str) -> str:
    return f"{prefix}_{period.replace('-', '_')}"


def collection(kind: str | None = None, period: str | None = None):
    """The collection holding state documents of ``kind`` (the main one when None).

    The ``skm-officers`` documents (a unit's per-officer SKM totals) are kept apart, one
    collection per month: the unit documents every unit query reads stay small, and an
    officer query or a worker's write touches one month's collection only. (The local
    MongoDB-protocol server reads every document of a collection for each query and
    decodes whole documents, so what a collection holds is what each query costs.)
    """
    if kind == state.SKM_OFFICERS:
        if not period:
            raise ValueError("skm-officers state is kept per month: give the period")
        return _db()[_month_name(OFFICER_STATE, period)]
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
        topic, partition, kind, _scope, period = did.split("|")
        groups.setdefault((kind == state.SKM_OFFICERS, topic, int(partition), period), []).append(did)
    calls = []
    for (officers, topic, partition, period), wanted in groups.items():
        coll = collection(state.SKM_OFFICERS if officers else None, period)
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
        officers = d["kind"] == state.SKM_OFFICERS
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
        officers = _kind_of(did) == state.SKM_OFFICERS
        groups.setdefault((state.SKM_OFFICERS if officers else "", did.split("|")[4] if officers else None),
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
        shapes = [{}]
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


class OfficerSeen(Document):
    """Where an officer was named: insert-only records per (officer, unit, month).

    A unit's officers' totals are one document, so finding one officer otherwise means
    reading every unit's officers document of the month. Every officer counted in a stored
    ``skm-officers`` document has a record, written before the state document that first
    counts them (a crash in between leaves a record too many, which costs a read and
    nothing else). The records of a month live in ``indicator_officer_units_YYYY_MM``; this
    collection holds only ``~complete``, which says the records cover all the state, so
    readers may rely on them (set by the one-time backfill of older state and by ``rebuild``).
    """

    meta = {"collection": "indicator_officer_units"}
    id = StringField(primary_key=True)


COMPLETE = "~complete"
_complete_in: set[str] = set()   # databases whose officer index is known complete (it never goes back)


def officers_coll(period: str | None = None):
    """The officer index of ``period`` (a month), or the collection of the ``complete`` mark."""
    base = OfficerSeen._get_collection()
    return base if period is None else base.database[_month_name(base.name, period)]


def officer_pairs(docs: Iterable[dict]) -> set[tuple[str, str, str]]:
    """(officer, unit, month) of every officer counted in these ``skm-officers`` documents."""
    return {(nip, d["scope"], d["period"]) for d in docs if d.get("kind") == state.SKM_OFFICERS
            for nip in (d.get("officers") or {})}


def mark_officers(pairs: Iterable[tuple[str, str, str]], chunk: int = 500) -> int:
    """Insert the records of ``pairs`` (already present ones are left as they are)."""
    by_month: dict[str, list[dict]] = {}
    for nip, unit, period in sorted(pairs):
        by_month.setdefault(period, []).append({"_id": f"{nip}|{unit}", "nip": nip, "unit": unit})
    for period, rows in by_month.items():
        coll = officers_coll(period)
        for start in range(0, len(rows), chunk):
            try:
                coll.insert_many(rows[start:start + chunk], ordered=False)
            except BulkWriteError as exc:
                if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                    raise
    return sum(len(rows) for rows in by_month.values())


def officer_index_complete() -> bool:
    name = officers_coll().database.name
    if name in _complete_in:
        return True
    if officers_coll().find_one({"_id": COMPLETE}) is not None:
        _complete_in.add(name)
        return True
    return False


def mark_officer_index_complete() -> None:
    try:
        officers_coll().insert_one({"_id": COMPLETE})
    except Exception as exc:  # already marked
        if getattr(exc, "code", None) != 11000:
            raise


def backfill_officer_index(progress=None) -> int:
    """Records for every officer in the stored SKM state (state written before the index
    existed), then the ``complete`` mark. Safe to run by several workers at once."""
    if officer_index_complete():
        return 0
    written = 0
    for coll in officer_state_collections():
        docs = list(coll.find({"kind": state.SKM_OFFICERS}, {"kind": 1, "scope": 1, "period": 1, "officers": 1}))
        written += mark_officers(officer_pairs(docs))
        if progress:
            progress(coll.name, written)
    mark_officer_index_complete()
    return written


def units_of_officers(nips: Iterable[str], months: Iterable[str]) -> set[tuple[str, str]] | None:
    """(unit, month) pairs in which any of ``nips`` was named in ``months``; None when the
    index is not complete yet (the caller reads the months instead). One equality query per
    officer and month: the local MongoDB-protocol server checks ``$in`` itself after decoding
    every record."""
    if not officer_index_complete():
        return None
    out: set[tuple[str, str]] = set()
    for month in dict.fromkeys(months):
        coll = officers_coll(month)
        for nip in sorted(set(nips)):
            out.update((row["unit"], month) for row in coll.find({"nip": nip}, {"unit": 1}))
    return out


def find(kind: str, *, scope: str | None = None, periods: list[str] | None = None, extra: dict | None = None) -> list[dict]:
    query: dict = {"kind": kind, **(extra or {})}
    if scope is not None:
        query["scope"] = scope
    if periods is not None:
        return find_months(query, periods)
    colls = officer_state_collections() if kind == state.SKM_OFFICERS else [collection(kind)]
    return [doc for coll in colls for doc in coll.find(query)]


def skm_totals(unit: str, period: str) -> skm.Totals:
    """The unit's SKM totals for a month, quarter or year (merged over partitions and months)."""
    total = skm.Totals()
    for doc in find(state.SKM, scope=unit, periods=months_in(period)):
        total = total.merge(skm.Totals.from_dict(doc["unit"]))
    return total
