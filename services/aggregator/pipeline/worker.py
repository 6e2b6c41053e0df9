"""The aggregator worker: a consumer-group member folding events into indicator state.

It runs the one consumer loop (:mod:`shared.messaging.consumer`), which gathers batches,
dead-letters what :meth:`IndicatorWorker.handle` refuses and commits after it. Per batch
(the steps run in this order; a crash anywhere before the last one replays the batch, and
replaying changes nothing already done):

1. decode every record; an invalid one (not JSON, unknown type, bad payload) is refused
   with the reason (the loop sends it to the dead-letter topic), and the batch goes on;
2. fold the events into the state documents of their partition, in memory: one read per
   touched document, and an event at or below a document's ``applied`` offset is skipped
   (an SKM event naming an officer updates two: the unit's and its officers');
3. record officers counted for the first time in the officer index, then write the changed
   documents (one write each, bulk commands of at most 40, a few at once);
4. coaching decisions for every scope the batch touched (also for skipped events, so a case
   event lost in a crash is published again);
5. the loop dead-letters the refused records, then commits the offsets.

Exactly-once in effect: the state and its ``applied`` offsets are written together, so a
redelivered or replayed event never counts twice and an uncommitted one is never lost.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from shared.contracts.events import InvalidEvent, decode
from shared.messaging.clients import make_producer
from shared.messaging.consumer import Batch, ConsumerLoop, DeadLetter, Gather
from shared.messaging.topics import Topics
from shared.platform import process
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings

from services.aggregator import indicator_policy
from services.aggregator.coaching import cases, evaluation, rule_config
from services.aggregator.state import complaint_facts, fold, officer_index, store, training_facts

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
MAX_POLL_INTERVAL_MS = 300_000  # a batch (20,000 events: ~45 s on FerretDB, 2 cores) stays far below
POLICY_TTL_S = 5.0  # rules and peer thresholds are read again after this many seconds


class IndicatorWorker:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, producer=None,
                 batch_size: int = DEFAULT_BATCH, decisions: bool = True, session_timeout_ms: int = 10000,
                 policy_ttl_s: float = POLICY_TTL_S, max_poll_interval_ms: int = MAX_POLL_INTERVAL_MS,
                 before_write: Callable[[], None] | None = None):
        """``before_write`` runs just before a batch's state is written (a seam for tests that
        stall a worker there; nothing in production sets it)."""
        self.settings = settings
        self.session_timeout_ms = session_timeout_ms
        self.max_poll_interval_ms = max_poll_interval_ms
        self.before_write = before_write
        self.policy_ttl_s = policy_ttl_s
        self._policy: tuple[float, list, indicator_policy.Peer] | None = None
        self.clock = clock or SystemClock()
        self.topics = Topics.from_settings(settings)
        self._producer = producer
        self.batch_size = batch_size
        self.decisions = decisions
        self.stats: defaultdict[str, int] = defaultdict(int)
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
    def handle(self, batch: Batch, fence: Callable[[], None] = lambda: None) -> list[DeadLetter]:
        """Fold ``batch`` into the state and decide; returns the records refused (invalid)."""
        dead: list[DeadLetter] = []
        changed: list[dict] = []
        new_officers: set[tuple[str, str, str]] = set()
        touched = evaluation.Touched()
        facts: list[dict] = []
        trainings: list[dict] = []
        for tp, records in batch.items():
            if tp.topic == self.topics.complaints:
                dead += self._complaint_facts(tp, records, facts)
                touched.tickets |= {f["ticket"] for f in facts}
                continue
            parsed = []
            for record in records:
                try:
                    event = decode(record.value)
                    if training_facts.is_training(event):     # a fact, not state: see state/training_facts
                        trainings.append(training_facts.fact_of(event))
                        continue
                    targets = fold.targets(event)
                except (InvalidEvent, ValueError) as exc:
                    dead.append(DeadLetter(tp, record, getattr(exc, "reason", None) or str(exc)))
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
        if self.before_write is not None:
            self.before_write()
        fence()   # still the owner of these partitions: nobody else writes their state meanwhile
        officer_index.mark_officers(new_officers)   # before the state that counts them (see officer_index.OfficerSeen)
        store.save(changed)
        complaint_facts.record(facts)
        training_facts.record(trainings)
        if self.decisions and touched:
            fence()
            self.decide(touched)
        self.stats["batches"] += 1
        self.stats["dead_lettered"] += len(dead)
        return dead

    @staticmethod
    def _complaint_facts(tp, records, facts: list[dict]) -> list[DeadLetter]:
        """Complaint events become facts (see :mod:`..state.complaint_facts`); no state fold."""
        dead = []
        for record in records:
            try:
                fact = complaint_facts.fact_of(decode(record.value))
            except InvalidEvent as exc:
                dead.append(DeadLetter(tp, record, exc.reason))
                continue
            if fact is not None:
                facts.append(fact)
        return dead

    def decide(self, touched: evaluation.Touched) -> None:
        found = evaluation.findings(touched, *self.current_policy(), complaint_figures=lambda tickets:
                                    complaint_facts.sla_shares(self.settings, tickets, self.clock.now()))
        self.decider.apply(found)

    def current_policy(self) -> tuple[list, indicator_policy.Peer]:
        """Rules and peer thresholds, read again at most every ``policy_ttl_s`` seconds:
        an admin's change applies to batches from then on."""
        now = time.monotonic()
        if self._policy is None or now - self._policy[0] >= self.policy_ttl_s:
            self._policy = (now, rule_config.rules(), indicator_policy.peer())
        return self._policy[1], self._policy[2]

    # -- the loop -----------------------------------------------------------------------------
    def gather_policy(self) -> Gather:
        return Gather(batch_size=self.batch_size, poll_records=min(POLL_RECORDS, self.batch_size),
                      longest_s=GATHER_S, backlog_s=BACKLOG_GATHER_S, linger_s=LINGER_S)

    def run(self, stop: threading.Event, max_batches: int | None = None) -> int:
        """Run the consumer loop until ``stop`` is set; returns the records handled."""
        if not officer_index.officer_index_complete():
            log.info("indexing the officers named in the stored SKM state (once)")
            written = officer_index.backfill_officer_index(
                lambda name, n: log.info("officer index", extra={"collection": name, "records": n}))
            log.info("officer index complete", extra={"records": written})
        loop = ConsumerLoop(self.settings, topics=[self.topics.responses, self.topics.complaints],
                            group_id=group_id(self.settings),
                            client_id="aggregator-worker", handle=self.handle, deadletter_topic=self.topics.deadletter,
                            producer=lambda: self.producer, gather_policy=self.gather_policy(),
                            session_timeout_ms=self.session_timeout_ms,
                            heartbeat_interval_ms=max(1000, self.session_timeout_ms // 3),
                            max_poll_interval_ms=self.max_poll_interval_ms)
        self.loop = loop   # its counters (fenced, retries, isolated, ...) are read by tests and logs
        try:
            return loop.run(stop, max_batches)
        finally:
            if self._producer is not None:
                self._producer.close(timeout=5)


def main(settings: Settings, batch_size: int = DEFAULT_BATCH, session_timeout_ms: int = 10000) -> None:
    worker = IndicatorWorker(settings, batch_size=batch_size, session_timeout_ms=session_timeout_ms)
    process.run("aggregator-worker", settings, worker.run, batch_size=batch_size)
