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

from datetime import datetime
from typing import Iterable, TypeVar

from mongoengine import BooleanField, DateTimeField, Document, IntField, StringField
from mongoengine.errors import NotUniqueError

T = TypeVar("T", bound="Revisioned")


class RevisionConflict(Exception):
    """Someone else changed the record first; reload and retry."""

    def __init__(self, key: str, current_rev: int | None):
        super().__init__(f"{key} was changed concurrently (now at revision {current_rev})")
        self.key = key
        self.current_rev = current_rev


class Revisioned(Document):
    """Base of revisioned documents. Subclasses set ``KEY`` and a unique (KEY, rev) index."""

    meta = {"abstract": True}
    KEY = "code"
    IGNORED = ("id", "rev", "superseded", "changed_at", "changed_by")

    rev = IntField(required=True, min_value=1)
    superseded = BooleanField(default=False)
    deleted = BooleanField(default=False)
    changed_at = DateTimeField(required=True)
    changed_by = StringField()

    @property
    def key(self) -> str:
        return getattr(self, self.KEY)

    def content(self) -> dict:
        """The record's own data (what a revision changes)."""
        return {name: getattr(self, name) for name in self._fields if name not in self.IGNORED}

    @classmethod
    def head(cls: type[T], key: str, *, include_deleted: bool = False) -> T | None:
        doc = cls.objects(**{cls.KEY: key}).order_by("-rev").first()
        if doc is None or (doc.deleted and not include_deleted):
            return None
        return doc

    @classmethod
    def heads(cls: type[T], include_deleted: bool = False, **filters) -> list[T]:
        """Current revisions matching ``filters`` (evaluated on the current revision only)."""
        candidates = list(cls.objects(superseded=False, **filters))
        if not candidates:
            return []
        keys = list({doc.key for doc in candidates})
        newest: dict[str, int] = {}
        for chunk in _chunks(keys, 500):
            for doc in cls.objects(superseded=False, **{f"{cls.KEY}__in": chunk}).only(cls.KEY, "rev"):
                newest[doc.key] = max(newest.get(doc.key, 0), doc.rev)
        out = [doc for doc in candidates if doc.rev == newest.get(doc.key)]
        if not include_deleted:
            out = [doc for doc in out if not doc.deleted]
        return sorted(out, key=lambda d: d.key)

    @classmethod
    def save_revision(cls: type[T], key: str, values: dict, *, at: datetime, by: str | None,
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
        if current is not None:
            cls.objects(pk=current.pk).update(set__superseded=True)
        return candidate, True


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


