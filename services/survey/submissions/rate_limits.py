"""Rate limits per client address and per kiosk device (429 with Retry-After).

Counted in each gunicorn worker's memory (a sliding one-minute window), with the configured
per-minute limit shared out among ``WEB_CONCURRENCY`` workers: requests spread over the
workers, so the total a client gets is close to the configured limit without a database
round trip per request. Keys are keyed hashes (never raw addresses).
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from datetime import datetime

from shared.platform.errors import ApiError

WINDOW_S = 60.0
MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, per_minute: int, workers: int = 1):
        self.limit = 0 if per_minute <= 0 else max(1, math.ceil(per_minute / max(1, workers)))
        self._hits: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str | None, now: datetime) -> None:
        """Count one request for ``key``; raise 429 when over the limit."""
        if not self.limit or not key:
            return
        t = now.timestamp()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= t - WINDOW_S:
                hits.popleft()
            self._hits[key] = hits
            if len(self._hits) > MAX_KEYS:
                self._hits.popitem(last=False)
            if len(hits) >= self.limit:
                retry = max(1, math.ceil(hits[0] + WINDOW_S - t))
                raise ApiError(429, errors={"_request": [f"coba lagi dalam {retry} detik / retry in {retry} s"]},
                               headers={"Retry-After": str(retry)})
            hits.append(t)
