"""The survey tracker: folds the notifier's ``complaint.status.changed`` events into the
citizen's tracking view, and deletes contact details past their retention.

A consumer-group member of the complaints topic running the one consumer loop. Per batch:
decode each event (an invalid one is dead-lettered with the reason), keep the status
events (the topic also carries ``complaint.received``, the survey's own), and insert one
:class:`~shared.records.complaints.ComplaintStep` per event under ``(ticket, seq)``: a
redelivered batch inserts nothing new. It is the only writer of the steps; between batches,
at most hourly, it runs :func:`purge_contacts`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.contracts import payloads
from shared.contracts.events import InvalidEvent, decode
from shared.domain import complaints
from shared.messaging.clients import make_producer
from shared.messaging.consumer import Batch, ConsumerLoop, DeadLetter, Gather
from shared.messaging.topics import Topics
from shared.platform import db, process
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings
from shared.records.complaints import ComplaintContact, ComplaintStep

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600.0


def group_id(settings: Settings) -> str:
    return f"{settings.kafka_topic_prefix}survey-tracker"


def step_of(event) -> dict:
    p = event.payload
    return {"ticket": p["ticket"], "seq": p["seq"], "kind": p["kind"], "state": p["state"], "unit": p["unit"],
            "at": datetime.fromisoformat(str(p["at"]).replace("Z", "+00:00")), "text": p.get("text"),
            "duplicate_of": p.get("duplicate_of"), "event_id": str(event.event_id)}


def purge_contacts(settings: Settings, now: datetime) -> int:
    """Delete the contact details of tickets closed more than the retention period ago."""
    before = now - timedelta(days=settings.complaint_contact_retention_days)
    closed = set(ComplaintStep.objects(state__in=complaints.FINAL, at__lte=before).distinct("ticket"))
    deleted = 0
    tickets = sorted(closed)
    for start in range(0, len(tickets), 500):
        deleted += ComplaintContact.objects(ticket__in=tickets[start:start + 500]).delete()
    if deleted:
        log.info("complaint contacts deleted after the retention period", extra={"count": deleted})
    return deleted


class Tracker:
    def __init__(self, settings: Settings, *, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.topics = Topics.from_settings(settings)
        self._next_purge = 0.0

    def handle(self, batch: Batch, fence: Callable[[], None] = lambda: None) -> list[DeadLetter]:
        dead, steps = [], []
        for tp, records in batch.items():
            for record in records:
                try:
                    event = decode(record.value)
                except InvalidEvent as exc:
                    dead.append(DeadLetter(tp, record, exc.reason))
                    continue
                if event.type == payloads.COMPLAINT_STATUS:
                    steps.append(step_of(event))
        fence()
        if steps:
            db.insert_new(ComplaintStep._get_collection(), steps)
        return dead

    def between_batches(self) -> None:
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY_S
            try:
                purge_contacts(self.settings, self.clock.now())
            except Exception:
                log.exception("deleting old complaint contacts failed; trying again later")

    def run(self, stop: threading.Event) -> None:
        producer = make_producer(self.settings, client_id="survey-tracker")
        loop = ConsumerLoop(self.settings, topics=[self.topics.complaints], group_id=group_id(self.settings),
                            client_id="survey-tracker", handle=self.handle, deadletter_topic=self.topics.deadletter,
                            producer=lambda: producer, between_batches=self.between_batches,
                            gather_policy=Gather(batch_size=200, poll_records=200, first_wait_s=0.5, longest_s=0,
                                                 backlog_s=0, linger_s=0))
        try:
            loop.run(stop)
        finally:
            producer.close(timeout=5)


def main(settings: Settings) -> None:
    process.run("survey-tracker", settings, Tracker(settings).run)
