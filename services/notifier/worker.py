"""The notifier worker: a consumer-group member reading coaching-case events, and a
dispatcher sending what is due.

The consumer runs the one consumer loop (:mod:`shared.messaging.consumer`). Per batch: decode
each event (an invalid one is refused with the reason and the loop dead-letters it), store
and route the case and claim its notifications; then the loop commits the offsets. It never
waits on SMTP or a webhook: sending is the dispatcher thread's work, woken after each batch
and running :func:`scheduler.tick` (escalations, reminders, digests, retries) every
``NOTIFIER_TICK_SECONDS``. Cases are keyed by subject, so the consumer owning a partition is
the only process inserting the cases of its subjects; deliveries are claimed attempt by
attempt, so dispatchers in several workers (and a ``tick`` beside them) send each once.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

from shared.contracts import payloads
from shared.contracts.events import InvalidEvent, decode
from shared.messaging.clients import make_producer
from shared.messaging.consumer import Batch, ConsumerLoop, DeadLetter, Gather
from shared.messaging.topics import Topics
from shared.platform import process
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings

from services.notifier import case_events, routing, scheduler, ticket_actions, ticket_deadlines, training_invites
from services.notifier.deliveries import DISPATCH_BATCH, Sender

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
        self._stats_lock = threading.Lock()
        self._wake = threading.Event()
        self.group = group_id(settings)

    @property
    def producer(self):
        if self._producer is None:
            self._producer = make_producer(self.settings, client_id="notifier-worker")
        return self._producer

    def handle(self, batch: Batch, fence: Callable[[], None] = lambda: None) -> list[DeadLetter]:
        """Store the batch's case events and claim their notifications; returns the records refused.

        Nothing is sent here: the dispatcher is woken to do that outside the consumer loop.
        """
        dead = []
        for tp, records in batch.items():
            for record in records:
                try:
                    event = decode(record.value)
                except InvalidEvent as exc:
                    dead.append(DeadLetter(tp, record, exc.reason))
                    continue
                if event.type == payloads.COMPLAINT_RECEIVED:
                    outcome = ticket_actions.received(self.settings, event, self.clock.now())
                elif event.type == payloads.COMPLAINT_STATUS:
                    outcome = "own_status_event"   # the notifier's own steps, for the tracker and the aggregator
                else:
                    outcome = case_events.handle_event(self.settings, event, self.clock.now(), self.directory)
                self._count({outcome: 1})
        self._count({"dead_lettered": len(dead)})
        self._wake.set()
        return dead

    def dispatch(self) -> dict[str, int]:
        """Send the deliveries due now (at most one dispatch batch)."""
        counts = self.sender.dispatch_due(self.clock.now())
        self._count(counts)
        return counts

    def process(self, batch: Batch) -> list[DeadLetter]:
        """A batch handled and what it made due sent, in this thread (tests and tools)."""
        dead = self.handle(batch)
        self.dispatch()
        return dead

    def tick(self) -> Counter:
        now = self.clock.now()
        counts = ticket_deadlines.tick(self.settings, now, self.directory, producer=self.producer)
        counts.update(training_invites.tick(self.settings, now))
        counts.update(scheduler.tick(self.settings, now, self.sender, self.directory))
        return counts

    def _count(self, counts: Mapping[str, int]) -> None:
        with self._stats_lock:
            self.stats.update({k: v for k, v in counts.items() if v})

    def dispatcher(self, stop: threading.Event) -> None:
        """Until ``stop``: send what is due when woken (after each batch), the scheduler every
        ``tick_seconds``. A failure (the database away) is logged and tried again after a pause."""
        next_tick = 0.0
        pause = 0.0
        while not stop.is_set():
            self._wake.clear()
            try:
                if time.monotonic() >= next_tick:
                    counts = dict(self.tick())
                    self._count(counts)
                    next_tick = time.monotonic() + self.settings.tick_seconds
                else:
                    counts = self.dispatch()
                pause = 0.0
            except Exception:
                pause = min(max(pause * 2, 1.0), 30.0)
                log.exception("dispatcher step failed; trying again", extra={"pause_s": pause})
                stop.wait(pause)
                continue
            done = sum(counts.get(k, 0) for k in ("sent", "failed", "dead"))
            if done and done + counts.get("skipped", 0) >= DISPATCH_BATCH:
                continue  # a full batch: more may be due right now
            self._wake.wait(max(0.0, min(next_tick - time.monotonic(), self.settings.tick_seconds)))

    def run(self, stop: threading.Event, poll_ms: int = 500) -> None:
        """Consume and dispatch until ``stop`` is set."""
        producer = self.producer  # made once here: the loop and the dispatcher share it
        dispatcher = threading.Thread(target=self.dispatcher, args=(stop,), name="notifier-dispatcher", daemon=True)
        dispatcher.start()
        loop = ConsumerLoop(self.settings, topics=[self.topics.coaching, self.topics.complaints], group_id=self.group,
                            client_id="notifier-worker", handle=self.handle, deadletter_topic=self.topics.deadletter,
                            producer=lambda: producer,
                            gather_policy=Gather(batch_size=50, poll_records=50, first_wait_s=poll_ms / 1000,
                                                 longest_s=0, backlog_s=0, linger_s=0))
        try:
            loop.run(stop)
        finally:
            stop.set()
            self.sender.stop()  # the attempt in hand is finished, no other started
            self._wake.set()
            dispatcher.join(timeout=self.settings.smtp_timeout_s + self.settings.webhook_timeout_s + 10)
            if self._producer is not None:  # the sender's dead letters go through this one too
                self._producer.close(timeout=5)
                self._producer = None


def main(settings: Settings) -> None:
    process.run("notifier-worker", settings, NotifierWorker(settings).run)
