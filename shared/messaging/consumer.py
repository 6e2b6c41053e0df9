"""The one consumer loop: every worker of a consumer group and every reader of a topic runs it.

A worker is a handler of batches; :class:`ConsumerLoop` does everything around it, per batch,
in this order (a crash anywhere before step 4 replays the batch; handlers are idempotent):

1. **gather** records into a batch (:class:`Gather`): poll until the batch is full, or, once
   caught up, until records stop coming for ``linger_s``; with a backlog, keep polling for up
   to ``backlog_s`` so one batch folds many records per document;
2. **handle** the batch: the handler returns when its effect is durable, with the records it
   refuses (:class:`DeadLetter`: a record and the reason). A failure is told apart by
   :mod:`.failures`: one a record causes is **isolated**: the batch is handled again in
   halves, in order, until the one record that fails is found and refused with the failure's
   reason, and the rest is handled; a transient one (database or broker unreachable) **backs
   off** and reads the same batch again. Before it writes, a handler calls ``fence()``, which
   raises :class:`.failures.Fenced` once this member no longer owns the batch's partitions
   (the group rebalanced, or the batch outlived ``max.poll.interval.ms``): the batch is
   dropped unwritten, and its new owner handles it;
3. **dead-letter** those records, byte for byte, to the dead-letter topic with the headers
   ``reason``, ``source`` (topic/partition/offset) and ``consumer`` (the group), and wait for
   the broker to take them;
4. **commit** the offsets after the batch. A commit the group refuses (it rebalanced while
   the batch was handled) is logged: the partition's next owner gets the batch again, and the
   handler's idempotence makes that harmless.

Between batches, ``between_batches`` runs (the notifier's scheduler); ``on_assigned`` and
``on_revoked`` hear of rebalances. :func:`read_range` is the same polling for readers outside
any group (a rebuild, the relay's reconciliation): every partition from a start offset up to
an end offset, nothing committed. Kafka consumers are made only by :mod:`.clients`.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError

from shared.messaging import clients, failures
from shared.platform.config import Settings

log = logging.getLogger(__name__)

Batch = dict[TopicPartition, list[ConsumerRecord]]


@dataclass(frozen=True)
class DeadLetter:
    """A record the handler refuses, and why (the reason names no payload data)."""

    tp: TopicPartition
    record: Any          # a ConsumerRecord: offset, key and value are read
    reason: str


class Handler(Protocol):
    def __call__(self, batch: Batch, fence: Callable[[], None]) -> list[DeadLetter]: ...


@dataclass(frozen=True)
class Gather:
    """How many records a batch takes and how long it waits for them."""

    batch_size: int = 500       # records handled together at most
    poll_records: int = 500     # records asked for per poll
    first_wait_s: float = 0.5   # a poll for the first record of a batch waits this long
    longest_s: float = 1.0      # a batch waits at most this long for more records ...
    backlog_s: float = 10.0     # ... or this long while the partitions hold more than it has
    linger_s: float = 0.05      # once caught up, a batch is handled after this long without records


class PollSource(Protocol):
    def poll(self, timeout_ms: int, max_records: int) -> Mapping[TopicPartition, list[ConsumerRecord]]: ...

    def highwater(self, tp: TopicPartition) -> int | None: ...


def gather(consumer: PollSource, policy: Gather, stop: threading.Event) -> Batch:
    """One batch: records polled until the batch is full, ``longest_s`` has passed, or (caught
    up) no record came for ``linger_s``. With a backlog (the last fetch said a partition holds
    more than the batch has) the polls go on for up to ``backlog_s``, so a catching-up batch
    reaches the batch size; once caught up a lone record waits about ``linger_s``. Empty
    when nothing came within ``first_wait_s``."""
    batch: Batch = {}
    count = 0
    behind = False
    started = time.monotonic()
    while count < policy.batch_size and not stop.is_set():
        remaining = started + (policy.backlog_s if behind else policy.longest_s) - time.monotonic()
        if remaining <= 0 and count:
            break
        if not count:
            timeout_ms = max(1, int(policy.first_wait_s * 1000))
        else:
            timeout_ms = max(1, int((remaining if behind else min(remaining, policy.linger_s)) * 1000))
        polled = consumer.poll(timeout_ms=timeout_ms, max_records=min(policy.poll_records, policy.batch_size - count))
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


def dead_letter(producer: KafkaProducer, topic: str, group: str, dead: Iterable[DeadLetter],
                timeout_s: float = 30) -> int:
    """Send each refused record, as it came, to ``topic`` with its reason; wait until sent."""
    sent = 0
    for item in dead:
        record = item.record
        log.warning("dead-lettered a record", extra={"topic": item.tp.topic, "partition": item.tp.partition,
                                                     "offset": record.offset, "reason": item.reason})
        headers = [("reason", item.reason.encode()),
                   ("source", f"{item.tp.topic}/{item.tp.partition}/{record.offset}".encode()),
                   ("consumer", group.encode())]
        key = record.key.decode("utf-8", "replace") if record.key else None
        producer.send(topic, key=key, value=record.value, headers=headers)
        sent += 1
    if sent:
        producer.flush(timeout=timeout_s)
    return sent


class ConsumerLoop:
    """A consumer-group member running ``handle`` on each gathered batch (see the module doc).

    ``first_backoff_s`` .. ``max_backoff_s``: the waits after a transient failure, doubling.

    ``producer`` gives the producer dead letters are sent with (called only when there is
    one to send). ``consumer_options`` go to :func:`.clients.make_consumer` (session timeout,
    heartbeat, ...)."""

    first_backoff_s = 0.5
    max_backoff_s = 30.0

    def __init__(self, settings: Settings, *, topics: list[str], group_id: str, client_id: str, handle: Handler,
                 deadletter_topic: str, producer: Callable[[], Any], gather_policy: Gather | None = None,
                 between_batches: Callable[[], None] | None = None,
                 on_assigned: Callable[[set[TopicPartition]], None] | None = None,
                 on_revoked: Callable[[set[TopicPartition]], None] | None = None, **consumer_options: Any) -> None:
        self.settings = settings
        self.topics = topics
        self.group_id = group_id
        self.client_id = client_id
        self.handle = handle
        self.deadletter_topic = deadletter_topic
        self.producer = producer
        self.policy = gather_policy or Gather()
        self.between_batches = between_batches
        self.on_assigned = on_assigned
        self.on_revoked = on_revoked
        self.consumer_options = consumer_options
        self.stats: Counter[str] = Counter()
        self._backoff = self.first_backoff_s

    def run(self, stop: threading.Event, max_batches: int | None = None) -> int:
        """Gather, handle, dead-letter, commit until ``stop`` is set (or ``max_batches`` were
        handled). Returns the number of records handled."""
        consumer = clients.make_consumer(self.settings, self.topics, group_id=self.group_id, client_id=self.client_id,
                                         max_poll_records=self.policy.poll_records,
                                         listener=clients.Rebalance(self._assigned, self._revoked),
                                         **self.consumer_options)
        handled = batches = 0
        try:
            while not stop.is_set() and (max_batches is None or batches < max_batches):
                batch = gather(consumer, self.policy, stop)
                if batch:
                    handled += self._one(consumer, batch, stop)
                    batches += 1
                if self.between_batches is not None:
                    self.between_batches()
            return handled
        finally:
            consumer.close(autocommit=False)

    def _one(self, consumer: KafkaConsumer, batch: Batch, stop: threading.Event) -> int:
        started = time.monotonic()
        membership = clients.membership(consumer)

        def fence() -> None:
            if membership is None or clients.membership(consumer) != membership:
                raise failures.Fenced()

        try:
            dead = self._isolating(batch, fence)
        except Exception as exc:   # transient only: _isolating turns every other failure into dead letters
            self._rewind(consumer, batch)
            if isinstance(exc, failures.Fenced):
                self.stats["fenced"] += 1
                log.warning("the partitions moved during the batch; it is left to their new owner",
                            extra={"group": self.group_id})
                return 0
            self.stats["retries"] += 1
            log.warning("transient failure; the batch will be read again",
                        extra={"error": failures.reason(exc), "retry_in_s": self._backoff, "group": self.group_id})
            stop.wait(self._backoff)
            self._backoff = min(self.max_backoff_s, self._backoff * 2)
            return 0
        self._backoff = self.first_backoff_s
        if dead:
            self.stats["dead_lettered"] += dead_letter(self.producer(), self.deadletter_topic, self.group_id, dead)
        offsets = {tp: clients.offset_meta(records[-1].offset + 1) for tp, records in batch.items() if records}
        try:
            consumer.commit(offsets)
        except KafkaError as exc:
            self.stats["commits_refused"] += 1
            log.warning("offset commit refused; the batch will be redelivered and skipped",
                        extra={"error": type(exc).__name__, "group": self.group_id})
        n = sum(len(r) for r in batch.values())
        self.stats["records"] += n
        self.stats["batches"] += 1
        log.debug("batch", extra={"records": n, "ms": round((time.monotonic() - started) * 1000, 1)})
        return n

    def _isolating(self, batch: Batch, fence: Callable[[], None]) -> list[DeadLetter]:
        """``handle(batch)``; when a record makes it fail, the halves of the batch, in order,
        until that record is alone: it is refused with the failure's reason."""
        try:
            return list(self.handle(batch, fence))
        except Exception as exc:
            if failures.kind_of(exc) == failures.TRANSIENT:
                raise
            records = [(tp, record) for tp, rs in batch.items() for record in rs]
            if len(records) == 1:
                tp, record = records[0]
                self.stats["isolated"] += 1
                log.error("a record could not be handled; it goes to the dead-letter topic",
                          extra={"topic": tp.topic, "partition": tp.partition, "offset": record.offset,
                                 "error": failures.reason(exc)})
                return [DeadLetter(tp, record, failures.reason(exc))]
            middle = len(records) // 2
            return self._isolating(_as_batch(records[:middle]), fence) + \
                self._isolating(_as_batch(records[middle:]), fence)

    @staticmethod
    def _rewind(consumer: KafkaConsumer, batch: Batch) -> None:
        """Read the batch again from its first record, where this member still has its partitions."""
        assigned = consumer.assignment()
        for tp, records in batch.items():
            if records and tp in assigned:
                consumer.seek(tp, records[0].offset)

    def _assigned(self, partitions: set[TopicPartition]) -> None:
        names = sorted(str(p) for p in partitions)
        log.info("partitions assigned", extra={"group": self.group_id, "partitions": names})
        if self.on_assigned is not None:
            self.on_assigned(partitions)

    def _revoked(self, partitions: set[TopicPartition]) -> None:
        names = sorted(str(p) for p in partitions)
        log.info("partitions revoked", extra={"group": self.group_id, "partitions": names})
        if self.on_revoked is not None:
            self.on_revoked(partitions)


def _as_batch(records: list[tuple[TopicPartition, Any]]) -> Batch:
    batch: Batch = {}
    for tp, record in records:
        batch.setdefault(tp, []).append(record)
    return batch


def read_range(settings: Settings, topic: str, starts: Mapping[int, int], ends: Mapping[int, int],
               handle: Callable[[TopicPartition, list[ConsumerRecord]], None], *, client_id: str,
               timeout_s: float = 120.0, poll_records: int = 5000) -> None:
    """Read each partition of ``topic`` from ``starts[p]`` up to (not including) ``ends[p]``,
    outside any consumer group, handing ``handle`` the records in order; nothing is
    committed. Raises :class:`TimeoutError` if a partition could not be read to its end
    within ``timeout_s``."""
    wanted = {p: (starts.get(p, 0), end) for p, end in ends.items() if end > starts.get(p, 0)}
    if not wanted:
        return
    consumer = clients.make_reader(settings, client_id=client_id, max_poll_records=poll_records)
    try:
        tps = {p: TopicPartition(topic, p) for p in sorted(wanted)}
        consumer.assign(list(tps.values()))
        for p, tp in tps.items():
            consumer.seek(tp, wanted[p][0])
        remaining = set(tps.values())
        deadline = time.monotonic() + timeout_s
        while remaining and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=500, max_records=poll_records).items():
                end = wanted[tp.partition][1]
                mine = [r for r in records if r.offset < end]
                if mine:
                    handle(tp, mine)
                if tp in remaining and (consumer.position(tp) >= end or len(mine) < len(records)):
                    remaining.discard(tp)
                    consumer.pause(tp)
            remaining = {tp for tp in remaining if consumer.position(tp) < wanted[tp.partition][1]}
        if remaining:
            raise TimeoutError(f"could not read {sorted(str(t) for t in remaining)} up to their end offsets")
    finally:
        consumer.close()
