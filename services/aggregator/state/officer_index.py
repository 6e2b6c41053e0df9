"""The officer index: where each officer was named, so one employee's indicators read only
the documents of the units they served in (see :class:`OfficerSeen`)."""
from __future__ import annotations

from collections.abc import Iterable

from mongoengine import Document, StringField

from shared.platform import db

from services.aggregator.state import fold, store
from services.aggregator.state.store import month_name, officer_state_collections


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
    return base if period is None else base.database[month_name(base.name, period)]


def officer_pairs(docs: Iterable[dict]) -> set[tuple[str, str, str]]:
    """(officer, unit, month) of every officer counted in these ``skm-officers`` documents."""
    return {(nip, d["scope"], d["period"]) for d in docs if d.get("kind") == fold.SKM_OFFICERS
            for nip in (d.get("officers") or {})}


def mark_officers(pairs: Iterable[tuple[str, str, str]], chunk: int = 500) -> int:
    """Insert the records of ``pairs`` (already present ones are left as they are)."""
    by_month: dict[str, list[dict]] = {}
    for nip, unit, period in sorted(pairs):
        by_month.setdefault(period, []).append({"_id": f"{nip}|{unit}", "nip": nip, "unit": unit})
    for period, rows in by_month.items():
        db.insert_new(officers_coll(period), rows, chunk)
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
    db.insert_one_new(officers_coll(), {"_id": COMPLETE})


def backfill_officer_index(progress=None) -> int:
    """Records for every officer in the stored SKM state (state written before the index
    existed), then the ``complete`` mark. Safe to run by several workers at once."""
    if officer_index_complete():
        return 0
    written = 0
    for coll in officer_state_collections():
        docs = list(coll.find({"kind": fold.SKM_OFFICERS}, {"kind": 1, "scope": 1, "period": 1, "officers": 1}))
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


def documents_naming(nips: Iterable[str], months: Iterable[str], projection: dict | None = None) -> list[dict] | None:
    """The ``skm-officers`` documents of ``months`` that may name one of ``nips``, read through
    the index: a few small reads instead of every unit's document of each month. None when
    the index cannot say (not complete yet, or too many officers for one query each); the
    caller then reads the months' documents itself."""
    wanted = set(nips)
    if len(wanted) > store.SCOPES_ONE_BY_ONE:
        return None
    where = units_of_officers(wanted, months)
    if where is None:
        return None
    return [doc for scope, month in sorted(where)
            for doc in store.find_months({"kind": fold.SKM_OFFICERS, "scope": scope}, [month], projection)]
