"""Append-only revisioned records: how mutable reference data is written safely.

The local MongoDB-protocol server does not make read-modify-write atomic, so records that
people edit (units, services, employees, templates, ...) are never updated in place. Each
change inserts revision ``n+1`` of the record under a unique ``(key, rev)`` index: of two
concurrent edits of revision ``n`` exactly one insert succeeds, the other gets a conflict.
The winner then marks revision ``n`` ``superseded`` (a constant ``$set`` only the winner
ever performs). Readers take the highest revision per key, which is right even in the
moment between those two writes or after a crash in it.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from mongoengine import BooleanField, DateTimeField, Document, IntField, StringField
from mongoengine.errors import NotUniqueError, ValidationError

from shared.platform import db

T = TypeVar("T", bound="Revisioned")
_Item = TypeVar("_Item")

_counter = itertools.count(1)
_generation = 0


def generation() -> int:
    """A number that changes whenever this process writes a revision: caches of heads read
    in this process compare it to know they may be stale (see ``services/survey/lookups.py``)."""
    return _generation


def _changed() -> None:
    global _generation
    _generation = next(_counter)


class RevisionConflict(Exception):
    """Someone else changed the record first; reload and retry."""

    def __init__(self, key: str, current_rev: int | None):
        super().__init__(f"{key} was changed concurrently (now at revision {current_rev})")
        self.key = key
        self.current_rev = current_rev


class Revisioned(Document):
    """Base of revisioned documents. Subclasses set ``KEY`` and a unique (KEY, rev) index."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True}
    KEY = "code"
    IGNORED = ("id", "rev", "superseded", "changed_at", "changed_by")

    rev = IntField(required=True, min_value=1)
    superseded = BooleanField(default=False)
    deleted = BooleanField(default=False)
    changed_at = DateTimeField(required=True)
    changed_by = StringField()

    @property
    def key(self) -> str:
        key: str = getattr(self, self.KEY)
        return key

    def content(self) -> dict[str, Any]:
        """The record's own data (what a revision changes)."""
        return {name: getattr(self, name) for name in self._fields if name not in self.IGNORED}

    @classmethod
    def head(cls: type[T], key: str, *, include_deleted: bool = False) -> T | None:
        doc: T | None = cls.objects(**{cls.KEY: key}).order_by("-rev").first()
        if doc is None or (doc.deleted and not include_deleted):
            return None
        return doc

    @classmethod
    def heads(cls: type[T], include_deleted: bool = False, **filters: Any) -> list[T]:
        """Current revisions matching ``filters`` (evaluated on the current revision only)."""
        candidates = list(cls.objects(superseded=False, **filters))
        if not candidates:
            return []
        if filters:
            newest = cls._newest_revs({doc.key for doc in candidates})
        else:
            # Every not-superseded revision is a candidate: the newest per key is among them.
            newest = {}
            for doc in candidates:
                newest[doc.key] = max(newest.get(doc.key, 0), doc.rev)
        out = [doc for doc in candidates if doc.rev == newest.get(doc.key, doc.rev)]
        if not include_deleted:
            out = [doc for doc in out if not doc.deleted]
        return sorted(out, key=lambda d: d.key)

    @classmethod
    def _newest_revs(cls, keys: set[str]) -> dict[str, int]:
        """Highest not-superseded revision of each key: a filter may have matched a revision
        whose successor no longer matches (the moment between a new revision's insert and the
        old one's ``superseded`` mark). Few keys are looked up by key, many by one scan."""
        query: dict[str, Any] = {"superseded": False}
        if len(keys) <= 200:
            query[cls.KEY] = {"$in": sorted(keys)}
        newest: dict[str, int] = {}
        for row in cls._get_collection().find(query, {cls.KEY: 1, "rev": 1}, batch_size=10000):
            key = row.get(cls.KEY)
            if key in keys:
                newest[key] = max(newest.get(key, 0), row["rev"])
        return newest

    @classmethod
    def save_revision(cls: type[T], key: str, values: dict[str, Any], *, at: datetime, by: str | None,
                      expected_rev: int | None = None) -> tuple[T, bool]:
        """Write ``values`` as the next revision of ``key``.

        Returns ``(current document, changed)``; unchanged values write nothing. Raises
        :class:`RevisionConflict` when ``expected_rev`` is not the current revision or a
        concurrent writer took the next revision first.
        """
        current = cls.objects(**{cls.KEY: key}).order_by("-rev").first()
        current_rev = current.rev if current else None
        if expected_rev is not None and expected_rev != (current_rev or 0):
            raise RevisionConflict(key, current_rev)
        candidate = cls(**{**(current.content() if current else {}), **values, cls.KEY: key})
        candidate.deleted = bool(values.get("deleted", False))
        if current is not None and candidate.content() == current.content():
            return current, False
        candidate.rev = (current_rev or 0) + 1
        candidate.changed_at = at
        candidate.changed_by = by
        candidate.validate()
        try:
            candidate.save(force_insert=True, validate=False)
        except NotUniqueError:
            raise RevisionConflict(key, (current_rev or 0) + 1) from None
        _changed()
        if current is not None:
            cls.objects(pk=current.pk).update(set__superseded=True)
        return candidate, True


def _chunks(items: list[_Item], size: int) -> Iterable[list[_Item]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]




class BulkResult:
    def __init__(self) -> None:
        self.created: list[str] = []
        self.updated: list[str] = []
        self.unchanged: list[str] = []
        self.conflicts: list[str] = []
        self.invalid: dict[str, str] = {}


def bulk_save_revisions(cls: type[T], changes: dict[str, dict[str, Any]], *, at: datetime, by: str | None,
                        dry_run: bool = False, chunk: int = 500,
                        progress: Callable[[int, int], object] | None = None) -> BulkResult:
    """:meth:`Revisioned.save_revision` for many keys at once (imports).

    One read of the current heads, one ``insert_many`` per chunk of new revisions (a key whose
    next revision someone else inserted meanwhile is reported in ``conflicts``), then the
    replaced revisions are marked superseded in small chunks. ``progress(done, total)`` is
    called as chunks complete.
    """
    result = BulkResult()
    keys = list(changes)
    current: dict[str, T] = {}
    for key_part in _chunks(keys, 1000):
        for doc in cls.objects(**{f"{cls.KEY}__in": key_part}).order_by("-rev"):
            current.setdefault(doc.key, doc)
    new_docs: list[T] = []
    previous: dict[str, object] = {}
    for key in keys:
        head = current.get(key)
        candidate = cls(**{**(head.content() if head else {}), **changes[key], cls.KEY: key})
        candidate.deleted = bool(changes[key].get("deleted", False))
        if head is not None and candidate.content() == head.content():
            result.unchanged.append(key)
            continue
        candidate.rev = (head.rev if head else 0) + 1
        candidate.changed_at = at
        candidate.changed_by = by
        try:
            candidate.validate()
        except ValidationError as exc:
            result.invalid[key] = "; ".join(f"{k}: {v}" for k, v in (exc.to_dict() or {}).items()) or str(exc)
            continue
        new_docs.append(candidate)
        if head is not None:
            previous[key] = head.pk
        (result.updated if head is not None else result.created).append(key)
    if dry_run:
        if progress:
            progress(len(keys), len(keys))
        return result
    coll = cls._get_collection()
    failed: set[str] = set()
    _changed()
    done = len(result.unchanged)
    for part in _chunks(new_docs, chunk):
        failed.update(part[i].key for i in db.insert_new(coll, [d.to_mongo() for d in part], chunk=len(part) or 1))
        done += len(part)
        if progress:
            progress(done, len(keys))
    if failed:
        result.conflicts = sorted(failed)
        result.created = [k for k in result.created if k not in failed]
        result.updated = [k for k in result.updated if k not in failed]
    replaced = [pk for key, pk in previous.items() if key not in failed]
    for pk_part in _chunks(replaced, 40):
        coll.update_many({"_id": {"$in": pk_part}}, {"$set": {"superseded": True}})
    if progress:
        progress(len(keys), len(keys))
    return result
