"""Waiting for an effect in another process, bounded (never an unbounded loop)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1,
               message: str = "condition not met") -> T:
    """Call ``probe`` until it returns a truthy value; fail after ``timeout`` seconds.

    This waits for other processes (Kafka consumers, relays), not for time to pass in the
    code under test: time-based logic is tested with an injected clock.
    """
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{message} (after {timeout}s; last value: {last!r})")
