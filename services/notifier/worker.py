"""The notifier worker: a consumer-group member reading coaching-case events."""
from __future__ import annotations

import logging
import signal
import threading

from shared import db, logs
from shared.clock import Clock, SystemClock
from shared.config import Settings
from shared.events import InvalidEvent, decode
from shared.messaging import Batch, make_consumer, run_batches
from shared.topics import Topics

log = logging.getLogger(__name__)
GROUP = "tanggap-notifier"


class Worker:
    def __init__(self, settings: Settings, *, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.topics = Topics.from_settings(settings)

    def handle(self, batch: Batch) -> None:
        for tp, records in batch.items():
            for record in records:
                try:
                    event = decode(record.value)
                except InvalidEvent as exc:
                    log.warning("skipping an invalid case event", extra={"offset": record.offset, "reason": exc.reason})
                    continue
                log.info("case event", extra={"type": event.type, "case_id": event.payload.get("case_id")})

    def run(self, stop: threading.Event, max_batches: int | None = None) -> int:
        consumer = make_consumer(self.settings, [self.topics.coaching], group_id=GROUP, client_id="notifier-worker")
        try:
            return run_batches(consumer, self.handle, stop, max_batches=max_batches)
        finally:
            consumer.close(autocommit=False)


def main(settings: Settings) -> None:
    logs.setup("notifier-worker", settings.log_level)
    db.connect(settings, pool_size=4)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("notifier worker started")
    Worker(settings).run(stop)
    log.info("notifier worker stopped")
