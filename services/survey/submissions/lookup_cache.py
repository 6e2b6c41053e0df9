"""The intake's reference lookups, kept per process for a few seconds.

Every submission needs its deployment, template, unit, service and officer. Each is the
head of a revisioned record, and on the local MongoDB-protocol server each lookup is a
round trip of several milliseconds: together most of a submission's time (see ``bench/``).
They change rarely, so each process keeps what it read for ``REFERENCE_CACHE_SECONDS``:

- a revision written by this process (an edit through this worker's API, an import, a
  test fixture) empties the cache at once;
- a revision written by another process (another gunicorn worker, the CLI) is seen here
  at most ``REFERENCE_CACHE_SECONDS`` later: for that long a just-deactivated officer or
  deployment may still receive a response, which the aggregator counts as usual;
- a lookup that found nothing is kept too (a stream of submissions to an unknown unit
  costs one read per interval), and expires the same way;
- kiosk devices are never kept: a revoked kiosk token stops working at its next request.

Time comes from the injected clock, so tests move it instead of waiting.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import TypeVar

from shared.platform import revisions
from shared.platform.clock import Clock

V = TypeVar("V")
MAX_ENTRIES = 20_000


class LookupCache:
    def __init__(self, ttl_s: float, clock: Clock, max_entries: int = MAX_ENTRIES):
        self.ttl = timedelta(seconds=max(0.0, ttl_s))
        self.clock = clock
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, datetime, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, kind: str, key: Hashable, load: Callable[[], V]) -> V:
        """The value of ``(kind, key)``: kept if it is fresh, else ``load()`` (and kept)."""
        if not self.ttl:
            return load()
        generation = revisions.generation()   # read before loading: a write meanwhile makes it stale
        now = self.clock.now()
        slot = (kind, key)
        with self._lock:
            entry = self._entries.get(slot)
            if entry is not None and entry[0] == generation and now < entry[1]:
                self._entries.move_to_end(slot)
                self.hits += 1
                return entry[2]  # type: ignore[return-value]
            self.misses += 1
        value = load()
        with self._lock:
            self._entries[slot] = (generation, now + self.ttl, value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
