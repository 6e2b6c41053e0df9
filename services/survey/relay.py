"""The outbox relay: publishes stored responses' events to Kafka and records where they went.

Exactly one relay runs per deployment (it is the only writer of ``Response.outbox`` after
insert). Delivery is effectively once: after a send whose outcome is unknown (broker down,
timeout, crash), the relay first *reconciles*: it reads each partition after the last
offset it recorded and marks every event it finds there as published, so it never sends
an event twice; then it sends what is still unpublished.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from typing import Callable

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from pymongo import UpdateOne

from shared.clock import Clock, SystemClock
from shared.lease import Lease
from shared.config import Settings
from shared.events import from_json
from shared.messaging import make_producer, send_event
from shared.topics import Topics

from shared.responses import Response

log = logging.getLogger(__name__)
UPDATE_CHUNK = 40  # bulk update commands stay small (FerretDB wedges on large ones)


class Relay:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, batch_size: int = 500,
                 producer_factory: Callable | None = None, send_timeout_s: float = 15.0):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.topics = Topics.from_settings(settings)
        self._producer_factory = producer_factory or (lambda: make_producer(settings, client_id="survey-relay"))
        self._producer = None
        self.send_timeout_s = send_timeout_s
        self.needs_reconcile = True
        self.published_total = 0

    # -- Kafka side -------------------------------------------------------------------------
    def producer(self):
        if self._producer is None:
            self._producer = self._producer_factory()
        return self._producer

    def _drop_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # closing a producer whose broker is gone may fail; it is discarded anyway
                pass
            self._producer = None

    # -- one round ----------------------------------------------------------------------------
    def pending(self, limit: int) -> list[Response]:
        return list(Response.objects(outbox__published=False).order_by("received_at").limit(limit)
                    .only("id", "outbox", "received_at"))

    def run_once(self) -> int:
        """Publish one batch; returns how many events were published (0: nothing pending)."""
        if self.needs_reconcile:
            self.reconcile()
        docs = self.pending(self.batch_size)
        if not docs:
            return 0
        producer = self.producer()
        sent = []
        try:
            for doc in docs:
                event = from_json(doc.outbox.event)
                sent.append((doc, send_event(producer, doc.outbox.topic, event)))
            producer.flush(timeout=self.send_timeout_s)
        except KafkaError as exc:
            log.warning("publishing failed; will reconcile and retry", extra={"error": type(exc).__name__})
        delivered, failed = [], 0
        for doc, future in sent:
            if future.succeeded():
                meta = future.value
                delivered.append((doc.id, meta.partition, meta.offset))
            else:
                failed += 1
        self._mark(delivered)
        if failed or len(sent) < len(docs):
            # Outcome unknown for the rest: never resend blindly.
            self.needs_reconcile = True
            self._drop_producer()
            if not delivered:
                raise ConnectionError(f"Kafka did not take {len(docs) - len(delivered)} events")
        self.published_total += len(delivered)
        return len(delivered)

    def _mark(self, delivered: list[tuple[str, int, int]]) -> None:
        now = self.clock.now()
        ops = [UpdateOne({"_id": rid}, {"$set": {"outbox.published": True, "outbox.partition": p,
                                                  "outbox.offset": o, "outbox.published_at": now}})
               for rid, p, o in delivered]
        coll = Response._get_collection()
        for start in range(0, len(ops), UPDATE_CHUNK):
            coll.bulk_write(ops[start:start + UPDATE_CHUNK], ordered=False)

    # -- recovery -----------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Mark as published every unmarked event already in the topic. Returns how many."""
        topic = self.topics.responses
        consumer = KafkaConsumer(bootstrap_servers=self.settings.kafka_bootstrap_servers.split(","),
                                 group_id=None, enable_auto_commit=False, client_id="survey-relay-reconcile",
                                 isolation_level="read_committed", request_timeout_ms=15000)
        try:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                raise ConnectionError(f"topic {topic} not found (is Kafka up and the topic created?)")
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            end = consumer.end_offsets(tps)
            found: list[tuple[str, int, int]] = []
            for tp in tps:
                start = self._recorded_offset(tp.partition) + 1
                if start >= end[tp]:
                    continue
                consumer.seek(tp, start)
                found += self._scan(consumer, tp, end[tp])
            unmarked = {d.id for d in Response.objects(id__in=[f[0] for f in found], outbox__published=False).only("id")}
            todo = [f for f in found if f[0] in unmarked]
            self._mark(todo)
            self.needs_reconcile = False
            if todo:
                log.info("reconciled events already in Kafka", extra={"count": len(todo)})
            return len(todo)
        finally:
            consumer.close()

    def _recorded_offset(self, partition: int) -> int:
        doc = (Response.objects(outbox__published=True, outbox__partition=partition)
               .order_by("-outbox.offset").only("outbox").first())
        return doc.outbox.offset if doc else -1

    @staticmethod
    def _scan(consumer: KafkaConsumer, tp: TopicPartition, end: int) -> list[tuple[str, int, int]]:
        found = []
        position = consumer.position(tp)
        idle_polls = 0
        while position < end and idle_polls < 50:
            batch = consumer.poll(timeout_ms=500).get(tp, [])
            if not batch:
                idle_polls += 1
                continue
            for record in batch:
                try:
                    rid = json.loads(record.value)["payload"]["response_id"]
                except (ValueError, KeyError, TypeError):
                    continue
                found.append((str(rid), record.partition, record.offset))
            position = batch[-1].offset + 1
        if position < end:
            raise ConnectionError(f"could not read {tp} up to offset {end}")
        return found

    # -- loop ---------------------------------------------------------------------------------
    def run(self, stop: threading.Event, idle_wait_s: float = 0.2, max_backoff_s: float = 10.0,
            lease_ttl: timedelta = timedelta(seconds=15)) -> None:
        """Publish until ``stop`` is set. Only the holder of the relay lease publishes; a second
        relay started by mistake waits as a standby and takes over if the first one dies."""
        lease = Lease(f"outbox-relay:{self.topics.responses}", self.clock, ttl=lease_ttl)
        backoff = 0.5
        standby_logged = False
        while not stop.is_set():
            try:
                if not lease.renew() and not lease.try_acquire():
                    if not standby_logged:
                        log.info("another relay holds the lease; standing by")
                        standby_logged = True
                    self.needs_reconcile = True
                    stop.wait(lease_ttl.total_seconds() / 3)
                    continue
                standby_logged = False
                published = self.run_once()
                backoff = 0.5
                if published == 0:
                    stop.wait(idle_wait_s)
            except (KafkaError, ConnectionError, OSError) as exc:
                log.warning("relay waiting for Kafka", extra={"error": str(exc)[:200], "retry_in_s": backoff})
                self._drop_producer()
                self.needs_reconcile = True
                stop.wait(backoff)
                backoff = min(max_backoff_s, backoff * 2)
        lease.release()
        self._drop_producer()


def main(settings: Settings) -> None:
    import signal

    from shared import db, logs

    logs.setup("survey-relay", settings.log_level)
    db.connect(settings, pool_size=4)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("relay started")
    Relay(settings).run(stop)
    log.info("relay stopped")
