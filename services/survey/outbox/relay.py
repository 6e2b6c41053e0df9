"""The outbox relay: publishes stored responses' events to Kafka and records where they went.

Its sources are the responses (to the responses topic) and the citizens' complaints (to the
complaints topic); each is handled the same way. One relay is active per deployment (it
holds a lease; a second one stands by). It is the only writer of ``published`` (of responses
and complaints) and of the ``outbox_log``. Delivery is effectively once:
after a send whose outcome is unknown (broker down, timeout, crash) and at every start, the
relay first *reconciles*: it reads each partition after the last offset it logged and marks
every event it finds there as published, so it never sends an event twice; then it sends
what is still unpublished. Marking is ``published`` first, then the log: a crash between
the two leaves an event published but unlogged, which the next reconciliation logs.

An event Kafka refuses for good (:func:`shared.messaging.failures.broker_refuses`: too large,
invalid, not authorised) is **held**: the relay sets it aside with the reason, and the others
keep flowing (a refused batch is sent again record by record, so only the culprit is held).
Each round the relay applies the admins' decisions about held events (release, discard).
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kafka.errors import KafkaError

from shared.contracts import payloads
from shared.messaging import clients, failures
from shared.messaging.clients import make_producer
from shared.messaging.consumer import read_range
from shared.messaging.topics import Topics
from shared.platform import db, process
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings
from shared.platform.lease import Lease
from shared.records.complaints import Complaint
from shared.records.responses import OutboxDecision, OutboxRecord, Response
from shared.records.trainings import TrainingFollowUp, TrainingReaction, TrainingScoreImport

log = logging.getLogger(__name__)
MARK_CHUNK = 500  # responses marked published per update command


@dataclass(frozen=True)
class Source:
    """A collection of documents carrying an outbox entry, and the topic its events go to.
    ``id_field`` is the payload field holding the document's id (to reconcile); when other
    producers share the topic, ``event_type`` picks this source's events."""

    document: type
    topic: str
    id_field: str
    event_type: str | None = None

    def collection(self):
        return self.document._get_collection()


class Relay:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, batch_size: int = 500,
                 producer_factory: Callable | None = None, send_timeout_s: float = 15.0):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.topics = Topics.from_settings(settings)
        self.sources = (Source(Response, self.topics.responses, "response_id"),
                        Source(Complaint, self.topics.complaints, "ticket", payloads.COMPLAINT_RECEIVED),
                        Source(TrainingReaction, self.topics.responses, "reaction_id", payloads.TRAINING_REACTION),
                        Source(TrainingScoreImport, self.topics.responses, "import_id", payloads.TRAINING_SCORES),
                        Source(TrainingFollowUp, self.topics.responses, "followup_id", payloads.TRAINING_FOLLOWUP))
        self._producer_factory = producer_factory or (lambda: make_producer(settings, client_id="survey-relay"))
        self._producer = None
        self.send_timeout_s = send_timeout_s
        self.needs_reconcile = True
        self.published_total = 0
        self.held_total = 0

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
    def pending(self, limit: int, source: Source | None = None) -> list[dict]:
        """Unpublished documents' outbox entries, in the server's natural (insertion) order,
        without the held ones.

        No sort on ``received_at``: with a sort the local MongoDB-protocol server reads and
        sorts the whole backlog for every batch; without one it stops at ``limit``. Natural
        order is insertion order there, so responses of one unit still leave in the order
        they came (and ordering across batches is kept because a batch is published, and
        marked, before the next is read).
        """
        coll = (source or self.sources[0]).collection()
        return list(coll.find({"published": False, "held": {"$ne": True}}, {"outbox": 1}).limit(limit))

    def run_once(self) -> int:
        """Publish one batch of each source; returns how many events were published (0: nothing pending)."""
        if self.needs_reconcile:
            self.reconcile()
        self.apply_decisions()
        published = 0
        for source in self.sources:
            published += self._publish(source)
            if self.needs_reconcile:
                # Outcome unknown for some of this source: nothing more goes to Kafka before the
                # reconciliation, or a later source's offsets would hide the unknown ones from it.
                break
        return published

    def _publish(self, source: Source) -> int:
        docs = self.pending(self.batch_size, source)
        if not docs:
            return 0
        producer = self.producer()
        sent: list[tuple[dict, Any]] = []
        held: list[tuple[str, str]] = []
        try:
            for doc in docs:
                try:
                    sent.append((doc, self._send(producer, doc)))
                except KafkaError as exc:
                    if not failures.broker_refuses(exc):
                        raise
                    held.append((doc["_id"], failures.reason(exc)))   # refused before it left (too large)
            producer.flush(timeout=self.send_timeout_s)
        except KafkaError as exc:
            log.warning("publishing failed; will reconcile and retry", extra={"error": type(exc).__name__})
        delivered = [(doc["_id"], doc["outbox"]["topic"], f.value.partition, f.value.offset)
                     for doc, f in sent if f.succeeded()]
        refused = [doc for doc, f in sent if f.failed() and failures.broker_refuses(f.exception)]
        if refused:
            alone = self._one_by_one(refused)
            delivered += alone[0]
            held += alone[1]
        self._mark(delivered, source)
        self._hold(held, source)
        if len(delivered) + len(held) < len(docs):
            # Outcome unknown for the rest: never resend blindly.
            self.needs_reconcile = True
            self._drop_producer()
            if not delivered and not held:
                raise ConnectionError(f"Kafka did not take {len(docs)} events")
        self.published_total += len(delivered)
        return len(delivered)

    @staticmethod
    def _send(producer, doc: dict):
        # The event was checked against its schema when the response was accepted and has not
        # changed since: send the stored JSON as it is.
        outbox = doc["outbox"]
        value = json.dumps(outbox["event"], separators=(",", ":"), ensure_ascii=False).encode()
        return producer.send(outbox["topic"], key=outbox["key"], value=value,
                             headers=[("type", outbox["event"]["type"].encode())])

    def _one_by_one(self, docs: list[dict]) -> tuple[list, list]:
        """Send records of a refused batch alone: the broker refuses a whole batch for one
        record (and the idempotent producer gives up on everything in flight), so each is
        sent with a producer of its own round, and only what is still refused alone is held."""
        delivered, held = [], []
        for doc in docs:
            self._drop_producer()   # a producer that met a fatal refusal takes nothing more
            producer = self.producer()
            try:
                future = self._send(producer, doc)
                producer.flush(timeout=self.send_timeout_s)
            except KafkaError as exc:
                if failures.broker_refuses(exc):
                    held.append((doc["_id"], failures.reason(exc)))
                continue
            if future.succeeded():
                delivered.append((doc["_id"], doc["outbox"]["topic"], future.value.partition, future.value.offset))
            elif future.failed() and failures.broker_refuses(future.exception):
                held.append((doc["_id"], failures.reason(future.exception)))
        self._drop_producer()
        return delivered, held

    def _hold(self, held: list[tuple[str, str]], source: Source | None = None) -> None:
        now = self.clock.now()
        coll = (source or self.sources[0]).collection()
        for rid, why in held:
            coll.update_one({"_id": rid, "published": False},
                            {"$set": {"held": True, "held_reason": why, "held_at": now}})
            log.error("Kafka refused an event for good; it is held until an admin decides",
                      extra={"response_id": rid, "reason": why})
        self.held_total += len(held)

    def apply_decisions(self) -> int:
        """Apply the admins' decisions about held events: release sends one again, discard
        never. A decision is applied once (its id is kept on the response), so an event held
        again later waits for a new decision. Returns how many were applied."""
        decisions = list(OutboxDecision._get_collection().find({}, {"response_id": 1, "action": 1, "at": 1}))
        if not decisions:
            return 0
        applied = 0
        for source in self.sources:
            coll = source.collection()
            held = {d["_id"]: d for d in coll.find({"held": True, "discarded": {"$ne": True}},
                                                   {"decisions_applied": 1})}
            for decision in sorted(decisions, key=lambda d: (d["at"], d["_id"])):
                doc = held.get(decision["response_id"])
                if doc is None or decision["_id"] in (doc.get("decisions_applied") or ()):
                    continue
                change: dict = {"$addToSet": {"decisions_applied": decision["_id"]}}
                if decision["action"] == "release":
                    change["$unset"] = {"held": "", "held_reason": "", "held_at": ""}
                else:
                    change["$set"] = {"discarded": True}
                coll.update_one({"_id": doc["_id"]}, change)
                held.pop(doc["_id"])
                applied += 1
                log.info("an admin's decision about a held event applied",
                         extra={"response_id": doc["_id"], "action": decision["action"]})
        return applied

    def _mark(self, delivered: list[tuple[str, str, int, int]], source: Source | None = None) -> None:
        if not delivered:
            return
        now = self.clock.now()
        ids = [d[0] for d in delivered]
        coll = (source or self.sources[0]).collection()
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
        """Mark as published every unmarked event already in the sources' topics. Returns how many.

        Each topic is read once from after the last offset logged on it, whichever source logged
        it, and every event found is given to the source it belongs to (by its type; the source
        without a type takes the rest)."""
        total = 0
        for topic in dict.fromkeys(source.topic for source in self.sources):
            sources = sorted((s for s in self.sources if s.topic == topic), key=lambda s: s.event_type is None)
            total += self._reconcile(topic, sources)
        self.needs_reconcile = False
        return total

    def _reconcile(self, topic: str, sources: list[Source]) -> int:
        ends = clients.end_offsets(self.settings, topic)
        if not ends:
            raise ConnectionError(f"topic {topic} not found (is Kafka up and the topic created?)")
        starts = {p: self._recorded_offset(topic, p) + 1 for p in ends}
        found: dict[int, list[tuple[str, int, int]]] = {i: [] for i in range(len(sources))}

        def collect(tp, records) -> None:
            for record in records:
                try:
                    event = json.loads(record.value)
                    kind = event["type"]
                except (ValueError, KeyError, TypeError):
                    continue
                for i, source in enumerate(sources):
                    if source.event_type is not None and kind != source.event_type:
                        continue   # another source's (or another producer's) event on the same topic
                    try:
                        rid = event["payload"][source.id_field]
                    except (KeyError, TypeError):
                        break
                    found[i].append((str(rid), record.partition, record.offset))
                    break

        read_range(self.settings, topic, starts, ends, collect, client_id="survey-relay-reconcile", timeout_s=30)
        for i, source in enumerate(sources):
            self._mark([(rid, topic, p, o) for rid, p, o in found[i]], source)
        count = sum(len(v) for v in found.values())
        if count:
            log.info("reconciled events already in Kafka", extra={"count": count, "topic": topic})
        return count

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
