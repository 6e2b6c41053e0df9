"""MongoDB connection for mongoengine (and raw pymongo access for bulk work)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mongoengine
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.platform.config import Settings

_current: tuple[str, str, int] | None = None


def connect(settings: Settings, *, pool_size: int | None = None) -> Database[dict[str, Any]]:
    """Connect the default mongoengine alias.

    Calling it again with the same server, database and pool size keeps the connection;
    anything else closes it and connects anew.
    """
    global _current
    wanted = (settings.mongodb_uri, settings.mongodb_db, pool_size or settings.mongodb_pool_size)
    if _current == wanted:
        return database()
    mongoengine.disconnect()
    _forget_collections()
    mongoengine.connect(
        db=settings.mongodb_db,
        host=settings.mongodb_uri,
        tz_aware=True,
        uuidRepresentation="standard",
        maxPoolSize=pool_size or settings.mongodb_pool_size,
        serverSelectionTimeoutMS=settings.mongodb_timeout_ms,
        connectTimeoutMS=settings.mongodb_timeout_ms,
        socketTimeoutMS=max(30000, settings.mongodb_timeout_ms),
        retryWrites=False,  # FerretDB has no retryable writes; our writes are idempotent by design
    )
    _current = wanted
    return database()


def _forget_collections() -> None:
    """Drop every document class's cached collection. ``disconnect`` resets only the classes
    in mongoengine's registry, which is keyed by class name: of two classes with one name
    (``Case`` in the aggregator and in the notifier) the other kept a collection of the
    closed client (seen when tests of both reconnect to databases of their own)."""
    stack = list(mongoengine.Document.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls._meta.get("abstract"):
            cls._collection = None


def database() -> Database[dict[str, Any]]:
    db: Database[dict[str, Any]] = mongoengine.get_db()
    return db


def ping(timeout_ms: int = 2000) -> None:
    """Raise if the database does not answer."""
    database().command("ping", maxTimeMS=timeout_ms)


DUPLICATE_KEY = 11000


def insert_new(coll: Collection[Any], docs: Sequence[dict[str, Any]], chunk: int = 500) -> list[int]:
    """Insert ``docs``; one whose unique key exists already counts as done (that is how a
    claim or an idempotent record is made: the unique index is the one atomic operation on
    every MongoDB-protocol server). Returns the positions of the documents that existed;
    any other error is raised."""
    existed: list[int] = []
    for start in range(0, len(docs), chunk):
        try:
            coll.insert_many(list(docs[start:start + chunk]), ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            existed += [start + e["index"] for e in errors]
    return existed


def insert_one_new(coll: Collection[Any], doc: dict[str, Any]) -> bool:
    """Insert one document: True if it is new, False if its unique key existed already."""
    try:
        coll.insert_one(doc)
        return True
    except DuplicateKeyError:
        return False
