"""The aggregator worker: a consumer-group member folding events into indicator state.

Per batch (the steps run in this order; a crash anywhere before the last one replays the
batch, and replaying changes nothing already done):

1. decode every record; an invalid one (not JSON, unknown type, bad payload) goes to the
   dead-letter topic with the reason, and the batch goes on;
2. fold the events into the state documents of their partition, in memory: one read per
   touched document, and an event at or below a document's ``applied`` offset is skipped
   (an SKM event naming an officer updates two: the unit's and its officers');
3. record officers counted for the first time in the officer index, then write the changed
   documents (one write each, bulk commands of at most 40, a few at once);
4. coaching decisions for every scope the batch touched (also for skipped events, so a case
   event lost in a crash is published again);
5. commit the offsets.

Exactly-once in effect: the state and its ``applied`` offsets are written together, so a
redelivered or replayed event never counts twice and an uncommitted one is never lost.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections import defaultdict

from kafka import TopicPartition
from kafka.errors import KafkaError

from shared.contracts.events import InvalidEvent, decode
from shared.messaging.clients import Batch, _offset_meta, make_consumer, make_producer
from shared.messaging.topics import Topics
from shared.platform import db, logs
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings

from services.aggregator import indicator_policy
from services.aggregator.coaching import cases, evaluation
from services.aggregator.state import fold, officer_index, store

log = logging.getLogger(__name__)


def group_id(settings: Settings) -> str:
    """The consumer group: ``tanggap-aggregator`` with the default topic prefix ``tanggap.``;
    deployments (and test runs) with another prefix get a group of their own, so they never
    rebalance each other."""
    return f"{settings.kafka_topic_prefix.rstrip('.')}-aggregator"


DEFAULT_BATCH = 20000   # records folded and written together (more: fewer writes per event)
POLL_RECORDS = 5000     # records asked for per poll
GATHER_S = 1.0          # longest a batch may wait for more records before it is handled
BACKLOG_GATHER_S = 10.0  # ... when the partitions hold more than it has (catching up)
LINGER_S = 0.05         # a batch is handled once no new record came for this long
POLICY_TTL_S = 5.0  # rules and peer thresholds are read again after this many seconds


class IndicatorWorker:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, producer=None,
                 batch_size: int = DEFAULT_BATCH, decisions: bool = True, session_timeout_ms: int = 10000,
                 policy_ttl_s: float = POLICY_TTL_S):
        self.settings = settings
        self.session_timeout_ms = session_timeout_ms
        self.policy_ttl_s = policy_ttl_s
        self._policy: tuple[float, list, indicator_policy.Peer] | None = None
        self.clock = clock or SystemClock()
        self.topics = Topics.from_settings(settings)
        self._producer = producer
        self.batch_size = batch_size
        self.decisions = decisions
        self.stats = defaultdict(int)
        self._decider: cases.Decider | None = None

    @property
    def producer(self):
        if self._producer is None:
            self._producer = make_producer(self.settings, client_id="aggregator-worker")
        return self._producer

    @property
    def decider(self) -> cases.Decider:
        if self._decider is None:
            self._decider = cases.Decider(self.producer, self.topics.coaching, self.clock, evaluation.unit_of)
        return self._decider

    # -- one batch ----------------------------------------------------------------------------
    def handle(self, batch: Batch) -> None:
        dead: list[tuple[TopicPartition, object, str]] = []
        changed: list[dict] = []
        new_officers: set[tuple[str, str, str]] = set()
        touched = evaluation.Touched()
        for tp, records in batch.items():
            parsed = []
            for record in records:
                try:
                    event = decode(record.value)
                    targets = fold.targets(event)
                except (InvalidEvent, ValueError) as exc:
                    dead.append((tp, record, getattr(exc, "reason", None) or str(exc)))
                    continue
                parsed.append((record.offset, event,
                               [(fold.doc_id(tp.topic, tp.partition, *t), t) for t in targets]))
            docs = store.load({did for _, _, ts in parsed for did, _ in ts})
            known = {did: set(doc.get("officers") or ()) for did, doc in docs.items()
                     if doc.get("kind") == fold.SKM_OFFICERS}
            dirty = set()
            for offset, event, ts in parsed:
                applied = False
                for did, target in ts:
                    doc = docs.get(did)
                    if doc is None:
                        doc = docs[did] = fold.new_doc(tp.topic, tp.partition, *target)
                    if fold.apply(doc, event, offset):
                        dirty.add(did)
                        applied = True
                if not applied:
                    self.stats["skipped"] += 1
                touched.add(event)
            changed += [docs[d] for d in dirty]
            new_officers |= {(nip, docs[d]["scope"], docs[d]["period"]) for d in dirty
                             if docs[d]["kind"] == fold.SKM_OFFICERS
                             for nip in docs[d]["officers"] if nip not in known.get(d, ())}
            self.stats["events"] += len(parsed)
        officer_index.mark_officers(new_officers)   # before the state that counts them (see officer_index.OfficerSeen)
        store.save(changed)
        self._dead_letter(dead)
        if self.decisions and touched:
            self.decide(touched)
        self.stats["batches"] += 1

    def decide(self, touched: evaluation.Touched) -> None:
        found = evaluation.findings(touched, *self.current_policy())
        self.decider.apply(found)

    def current_policy(self) -> tuple[list, indicator_policy.Peer]:
        """Rules and peer thresholds, read again at most every ``policy_ttl_s`` seconds:
        an admin's change applies to batches from then on."""
        now = time.monotonic()
        if self._policy is None or now - self._policy[0] >= self.policy_ttl_s:
            self._policy = (now, indicator_policy.rules(), indicator_policy.peer())
        return self._policy[1], self._policy[2]

    def _dead_letter(self, dead) -> None:
        if not dead:
            return
        for tp, record, reason in dead:
            log.warning("dead-lettered a message", extra={"topic": tp.topic, "partition": tp.partition,
                                                          "offset": record.offset, "reason": reason})
            headers = [("reason", reason.encode()), ("source", f"{tp.topic}/{tp.partition}/{record.offset}".encode()),
                       ("consumer", group_id(self.settings).encode())]
            key = record.key.decode("utf-8", "replace") if record.key else None
            self.producer.send(self.topics.deadletter, key=key, value=record.value, headers=headers)
        self.producer.flush(timeout=30)
        self.stats["dead_lettered"] += len(dead)

    # -- the loop -----------------------------------------------------------------------------
    def _gather(self, consumer, stop: threading.Event) -> Batch:
        """Poll until ``batch_size`` records, or ``GATHER_S`` seconds, or a pause of ``LINGER_S``
        once caught up.

        With a backlog (the last fetch said the partition holds more than we have) the polls
        go on for up to ``BACKLOG_GATHER_S``, so one batch folds many records into each state
        document (one write each, and one round of decisions); once caught up a batch is
        handled as soon as records stop coming, so a lone submission waits about
        ``LINGER_S``, not a second.
        """
        batch: Batch = {}
        count = 0
        behind = False
        started = time.monotonic()
        while count < self.batch_size and not stop.is_set():
            remaining = started + (BACKLOG_GATHER_S if behind else GATHER_S) - time.monotonic()
            if remaining <= 0 and count:
                break
            if not count:
                timeout_ms = 500
            else:
                timeout_ms = max(1, int((remaining if behind else min(remaining, LINGER_S)) * 1000))
            polled = consumer.poll(timeout_ms=timeout_ms, max_records=min(POLL_RECORDS, self.batch_size - count))
            if not polled:
                if count or remaining <= 0:
                    break
                continue
            behind = False
            for tp, records in polled.items():
                batch.setdefault(tp, []).extend(records)
                count += len(records)
                if records:
                    highwater = consumer.highwater(tp)
                    behind = behind or (highwater is not None and highwater > records[-1].offset + 1)
        return batch

    def run(self, stop: threading.Event, max_batches: int | None = None) -> int:
        """Poll, handle, commit until ``stop`` is set. A commit the group refuses (it was
        rebalanced meanwhile) is logged and ignored: the partition's next owner gets the
        batch again and skips what was applied."""
        consumer = make_consumer(self.settings, [self.topics.responses], group_id=group_id(self.settings),
                                 client_id="aggregator-worker", max_poll_records=POLL_RECORDS,
                                 session_timeout_ms=self.session_timeout_ms,
                                 heartbeat_interval_ms=max(1000, self.session_timeout_ms // 3))
        handled = batches = 0
        if not officer_index.officer_index_complete():
            log.info("indexing the officers named in the stored SKM state (once)")
            written = officer_index.backfill_officer_index(
                lambda name, n: log.info("officer index", extra={"collection": name, "records": n}))
            log.info("officer index complete", extra={"records": written})
        try:
            while not stop.is_set() and (max_batches is None or batches < max_batches):
                batch = self._gather(consumer, stop)
                if not batch:
                    continue
                started = time.monotonic()
                self.handle(batch)
                offsets = {tp: _offset_meta(records[-1].offset + 1) for tp, records in batch.items() if records}
                try:
                    consumer.commit(offsets)
                except KafkaError as exc:
                    log.warning("offset commit refused; the batch will be redelivered and skipped",
                                extra={"error": type(exc).__name__})
                n = sum(len(r) for r in batch.values())
                handled += n
                batches += 1
                log.debug("batch", extra={"records": n, "ms": round((time.monotonic() - started) * 1000, 1)})
            return handled
        finally:
            consumer.close(autocommit=False)
            if self._producer is not None:
                self._producer.close(timeout=5)


def main(settings: Settings, batch_size: int = DEFAULT_BATCH, session_timeout_ms: int = 10000) -> None:
    logs.setup("aggregator-worker", settings.log_level)
    db.connect(settings, pool_size=4)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("aggregator worker started", extra={"batch_size": batch_size})
    IndicatorWorker(settings, batch_size=batch_size, session_timeout_ms=session_timeout_ms).run(stop)
    log.info("aggregator worker stopped")
