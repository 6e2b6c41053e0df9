"""The notifier worker: a consumer-group member reading coaching-case events, and the
scheduler's clock.

It runs the one consumer loop (:mod:`shared.messaging.consumer`). Per batch: decode each
event (an invalid one is refused with the reason and the loop dead-letters it), store and
route the case, claim its notifications, send what is due; then the loop commits the
offsets. Every ``NOTIFIER_TICK_SECONDS`` (and after each batch) it runs
:func:`scheduler.tick`. Cases are keyed by subject, so the consumer owning a partition is
the only process inserting the cases of its subjects.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from shared.contracts.events import InvalidEvent, decode
from shared.messaging.clients import make_producer
from shared.messaging.consumer import Batch, ConsumerLoop, DeadLetter, Gather
from shared.messaging.topics import Topics
from shared.platform import process
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

    def handle(self, batch: Batch, fence: Callable[[], None] = lambda: None) -> list[DeadLetter]:
        """Apply the batch's case events and send what is due; returns the records refused."""
        dead = []
        for tp, records in batch.items():
            for record in records:
                try:
                    event = decode(record.value)
                except InvalidEvent as exc:
                    dead.append(DeadLetter(tp, record, exc.reason))
                    continue
                outcome = case_events.handle_event(self.settings, event, self.clock.now(), self.directory)
                self.stats[outcome] += 1
        for outcome, n in self.sender.dispatch_due(self.clock.now()).items():
            self.stats[outcome] += n
        self.stats["dead_lettered"] += len(dead)
        return dead

    def tick(self) -> Counter:
        return scheduler.tick(self.settings, self.clock.now(), self.sender, self.directory)

    def run(self, stop: threading.Event, poll_ms: int = 500) -> None:
        """Consume and tick until ``stop`` is set; the scheduler runs every ``tick_seconds``."""
        next_tick = [0.0]

        def tick_when_due() -> None:
            if time.monotonic() >= next_tick[0]:
                self.tick()
                next_tick[0] = time.monotonic() + self.settings.tick_seconds

        # Small batches handled at once: a batch may wait on SMTP and webhooks, and must finish
        # well within max_poll_interval.
        loop = ConsumerLoop(self.settings, topics=[self.topics.coaching], group_id=self.group,
                            client_id="notifier-worker", handle=self.handle, deadletter_topic=self.topics.deadletter,
                            producer=lambda: self.producer, between_batches=tick_when_due,
                            gather_policy=Gather(batch_size=50, poll_records=50, first_wait_s=poll_ms / 1000,
                                                 longest_s=0, backlog_s=0, linger_s=0))
        try:
            loop.run(stop)
        finally:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None


def main(settings: Settings) -> None:
    process.run("notifier-worker", settings, NotifierWorker(settings).run)
