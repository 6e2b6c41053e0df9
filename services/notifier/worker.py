"""The notifier worker: a consumer-group member reading coaching-case events, and the
scheduler's clock.

Per batch: decode each event (an invalid one goes to the dead-letter topic with the
reason), store and route the case, claim its notifications, send what is due, then
commit the offsets. Every ``NOTIFIER_TICK_SECONDS`` (and after each batch) it runs
:func:`scheduler.tick`. Cases are keyed by subject, so the consumer owning a partition is
the only process inserting the cases of its subjects.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter

from kafka.structs import OffsetAndMetadata

from shared.contracts.events import InvalidEvent, decode
from shared.messaging.clients import Batch, make_consumer, make_producer
from shared.messaging.topics import Topics
from shared.platform import db, logs
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings

from services.notifier import case_events, routing, scheduler
from services.notifier.deliveries import Sender

log = logging.getLogger(__name__)
GROUP_SUFFIX = "notifier"  # group id = topic prefix + this, so separate deployments (and test runs) never share a group


def group_id(settings: Settings) -> str:
    return f"{settings.kafka_topic_prefix}{GROUP_SUFFIX}"


class NotifierWorker:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, sender: Sender | None = None,
                 directory: routing.Directory | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.topics = Topics.from_settings(settings)
        self._producer = None
        self.sender = sender or Sender(settings, producer_factory=lambda: self.producer)
        self.directory = directory or routing.LiveDirectory()
        self.stats: Counter = Counter()
        self.group = group_id(settings)

    @property
    def producer(self):
        if self._producer is None:
            self._producer = make_producer(self.settings, client_id="notifier-worker")
        return self._producer

    def handle(self, batch: Batch) -> None:
        dead = []
        for tp, records in batch.items():
            for record in records:
                try:
                    event = decode(record.value)
                except InvalidEvent as exc:
                    dead.append((tp, record, exc.reason))
                    continue
                outcome = case_events.handle_event(self.settings, event, self.clock.now(), self.directory)
                self.stats[outcome] += 1
        self._dead_letter(dead)
        for outcome, n in self.sender.dispatch_due(self.clock.now()).items():
            self.stats[outcome] += n

    def _dead_letter(self, dead) -> None:
        for tp, record, reason in dead:
            log.warning("dead-lettered a case event", extra={"partition": tp.partition, "offset": record.offset,
                                                            "reason": reason})
            self.producer.send(self.topics.deadletter, key=record.key.decode() if record.key else None,
                               value=record.value,
                               headers=[("reason", reason.encode()), ("consumer", self.group.encode()),
                                        ("source", f"{tp.topic}/{tp.partition}/{record.offset}".encode())])
        if dead:
            self.producer.flush(timeout=30)
            self.stats["dead_lettered"] += len(dead)

    def tick(self) -> Counter:
        return scheduler.tick(self.settings, self.clock.now(), self.sender, self.directory)

    def run(self, stop: threading.Event, poll_ms: int = 500) -> None:
        """Consume and tick until ``stop`` is set; offsets are committed after each handled batch."""
        # Small batches: a batch may wait on SMTP and webhooks, and must finish well within max_poll_interval.
        consumer = make_consumer(self.settings, [self.topics.coaching], group_id=self.group, client_id="notifier-worker",
                                 max_poll_records=50)
        next_tick = 0.0
        try:
            while not stop.is_set():
                batch = consumer.poll(timeout_ms=poll_ms)
                if batch:
                    self.handle(batch)
                    consumer.commit({tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)
                                     for tp, records in batch.items() if records})
                if time.monotonic() >= next_tick:
                    self.tick()
                    next_tick = time.monotonic() + self.settings.tick_seconds
        finally:
            consumer.close(autocommit=False)
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None


def main(settings: Settings) -> None:
    logs.setup("notifier-worker", settings.log_level)
    db.connect(settings, pool_size=4)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("notifier worker started")
    NotifierWorker(settings).run(stop)
    log.info("notifier worker stopped")
