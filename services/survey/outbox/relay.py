"""The outbox relay: publishes stored responses' events to Kafka and records where they went.

One relay is active per deployment (it holds a lease; a second one stands by). It is the only
writer of ``Response.published`` and of the ``outbox_log``. Delivery is effectively once:
after a send whose outcome is unknown (broker down, timeout, crash) and at every start, the
relay first *reconciles*: it reads each partition after the last offset it logged and marks
every event it finds there as published, so it never sends an event twice; then it sends
what is still unpublished. Marking is ``published`` first, then the log: a crash between
the two leaves an event published but unlogged, which the next reconciliation logs.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from kafka.errors import KafkaError

from shared.messaging import clients
from shared.messaging.clients import make_producer
from shared.messaging.consumer import read_range
from shared.messaging.topics import Topics
from shared.platform import db, process
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings
from shared.platform.lease import Lease
from shared.records.responses import OutboxRecord, Response

log = logging.getLogger(__name__)
MARK_CHUNK = 500  # responses marked published per update command


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
    def pending(self, limit: int) -> list[dict]:
        """Unpublished responses' outbox entries, in the server's natural (insertion) order.

        No sort on ``received_at``: with a sort the local MongoDB-protocol server reads and
        sorts the whole backlog for every batch; without one it stops at ``limit``. Natural
        order is insertion order there, so responses of one unit still leave in the order
        they came (and ordering across batches is kept because a batch is published, and
        marked, before the next is read).
        """
        return list(Response._get_collection().find({"published": False}, {"outbox": 1}).limit(limit))

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
                # The event was checked against its schema when the response was accepted and
                # has not changed since: send the stored JSON as it is.
                outbox = doc["outbox"]
                value = json.dumps(outbox["event"], separators=(",", ":"), ensure_ascii=False).encode()
                future = producer.send(outbox["topic"], key=outbox["key"], value=value,
                                       headers=[("type", outbox["event"]["type"].encode())])
                sent.append((doc["_id"], outbox["topic"], future))
            producer.flush(timeout=self.send_timeout_s)
        except KafkaError as exc:
            log.warning("publishing failed; will reconcile and retry", extra={"error": type(exc).__name__})
        delivered = [(rid, topic, f.value.partition, f.value.offset) for rid, topic, f in sent if f.succeeded()]
        self._mark(delivered)
        if len(delivered) < len(docs):
            # Outcome unknown for the rest: never resend blindly.
            self.needs_reconcile = True
            self._drop_producer()
            if not delivered:
                raise ConnectionError(f"Kafka did not take {len(docs)} events")
        self.published_total += len(delivered)
        return len(delivered)

    def _mark(self, delivered: list[tuple[str, str, int, int]]) -> None:
        if not delivered:
            return
        now = self.clock.now()
        ids = [d[0] for d in delivered]
        coll = Response._get_collection()
        for start in range(0, len(ids), MARK_CHUNK):
            # One command per chunk: the local MongoDB-protocol server answers every filter with
            # a full scan (it uses its indexes only for the writes themselves), so one filtered
            # update_many is far cheaper than one update_one per response.
            coll.update_many({"published": False, "_id": {"$in": ids[start:start + MARK_CHUNK]}},
                             {"$set": {"published": True, "published_at": now}})
        records = [{"_id": rid, "topic": topic, "partition": p, "offset": o, "published_at": now}
                   for rid, topic, p, o in delivered]
        db.insert_new(OutboxRecord._get_collection(), records)

    # -- recovery -----------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Mark as published every unmarked event already in the topic. Returns how many."""
        topic = self.topics.responses
        ends = clients.end_offsets(self.settings, topic)
        if not ends:
            raise ConnectionError(f"topic {topic} not found (is Kafka up and the topic created?)")
        starts = {p: self._recorded_offset(topic, p) + 1 for p in ends}
        found: list[tuple[str, int, int]] = []

        def collect(tp, records) -> None:
            for record in records:
                try:
                    rid = json.loads(record.value)["payload"]["response_id"]
                except (ValueError, KeyError, TypeError):
                    continue
                found.append((str(rid), record.partition, record.offset))

        read_range(self.settings, topic, starts, ends, collect, client_id="survey-relay-reconcile", timeout_s=30)
        self._mark([(rid, topic, p, o) for rid, p, o in found])
        self.needs_reconcile = False
        if found:
            log.info("reconciled events already in Kafka", extra={"count": len(found)})
        return len(found)

    def _recorded_offset(self, topic: str, partition: int) -> int:
        doc = OutboxRecord.objects(topic=topic, partition=partition).order_by("-offset").only("offset").first()
        return doc.offset if doc else -1

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
    process.run("survey-relay", settings, Relay(settings).run)
