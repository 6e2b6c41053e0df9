"""MongoDB connection for mongoengine (and raw pymongo access for bulk work)."""
from __future__ import annotations

import mongoengine
from pymongo.database import Database

from shared.platform.config import Settings


_current: tuple | None = None


def connect(settings: Settings, *, pool_size: int | None = None) -> Database:
    """Connect the default mongoengine alias.

    Calling it again with the same server, database and pool size keeps the connection;
    anything else closes it and connects anew.
    """
    global _current
    wanted = (settings.mongodb_uri, settings.mongodb_db, pool_size or settings.mongodb_pool_size)
    if _current == wanted:
        return mongoengine.get_db()
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
    return mongoengine.get_db()


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


def database() -> Database:
    return mongoengine.get_db()


def ping(timeout_ms: int = 2000) -> None:
    """Raise if the database does not answer."""
    database().command("ping", maxTimeMS=timeout_ms)
