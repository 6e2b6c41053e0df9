"""The one way a long-running process (a worker, the relay) starts and stops.

:func:`run` sets up the JSON logs under the process's name, connects the database, turns
SIGTERM and SIGINT into a stop event the body polls, and logs the start and the stop, so
every process of the suite behaves the same under a supervisor, in compose and in tests.
"""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from shared.platform import db, logs
from shared.platform.config import Settings

log = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT (the body finishes its batch, then returns)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def run(name: str, settings: Settings, body: Callable[[threading.Event], object], *, db_pool_size: int = 4,
        **started_extra: Any) -> None:
    """Run ``body(stop)`` as the process ``name`` until it returns (after ``stop`` is set)."""
    logs.setup(name, settings.log_level)
    db.connect(settings, pool_size=db_pool_size)
    stop = stop_on_signals()
    log.info(f"{name} started", extra=started_extra)
    body(stop)
    log.info(f"{name} stopped")
