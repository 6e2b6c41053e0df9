"""Kafka clients with the project's delivery guarantees: the only module that makes them.

Producer: acks=all, idempotent, bounded retries and delivery timeout, keyed sends (the key
decides the partition, so order holds per key). Group consumer: no auto-commit (the consumer
loop, :mod:`.consumer`, commits after the effect is durable), read_committed, from the
earliest offset for a new group. Reader: no group, assigned partitions, nothing committed
(rebuilds, the relay's reconciliation, tests). Offsets: a group's committed offsets and a
topic's end offsets.
"""
from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.producer.future import FutureRecordMetadata
from kafka.serializer import Serializer
from kafka.structs import OffsetAndMetadata

from shared.contracts.events import Event
from shared.platform.config import Settings

log = logging.getLogger(__name__)


class Utf8Keys(Serializer):
    def serialize(self, topic: str, headers: list[tuple[str, bytes]], data: str | None) -> bytes | None:
        return data.encode("utf-8") if data is not None else None


def make_producer(settings: Settings, *, client_id: str, **overrides: Any) -> KafkaProducer:
    config = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        retries=5,
        retry_backoff_ms=200,
        request_timeout_ms=10000,
        delivery_timeout_ms=30000,
        max_block_ms=10000,
        linger_ms=5,
        key_serializer=Utf8Keys(),
    )
    config.update(overrides)
    return KafkaProducer(**config)


def send_event(producer: KafkaProducer, topic: str, event: Event,
               headers: list[tuple[str, bytes]] | None = None) -> FutureRecordMetadata:
    """Send keyed by ``event.key``; returns the future (``.get()`` gives partition and offset)."""
    return producer.send(topic, key=event.key, value=event.encode(),
                         headers=[("type", event.type.encode()), *(headers or [])])


def make_consumer(settings: Settings, topics: Iterable[str], *, group_id: str, client_id: str,
                  listener: ConsumerRebalanceListener | None = None, **overrides: Any) -> KafkaConsumer:
    """A member of ``group_id`` subscribed to ``topics`` (``listener`` hears of rebalances)."""
    config = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=2000,
        max_poll_interval_ms=300000,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
    )
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    consumer.subscribe(list(topics), listener=listener)
    return consumer


class Rebalance(ConsumerRebalanceListener):
    """Hands the partitions a rebalance gives and takes to two callables."""

    def __init__(self, assigned: Callable[[set[TopicPartition]], None],
                 revoked: Callable[[set[TopicPartition]], None]) -> None:
        self._assigned, self._revoked = assigned, revoked

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self._assigned(set(assigned))

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        self._revoked(set(revoked))


def membership(consumer: KafkaConsumer) -> tuple[int, str] | None:
    """``(generation, member id)`` while ``consumer`` is a stable member of its group; None
    while it is not (rebalancing, or it left after outliving ``max.poll.interval.ms``). Two
    equal answers mean it owned the same partitions all along."""
    coordinator = getattr(consumer, "_coordinator", None)   # kafka-python keeps the group state there
    if coordinator is None:
        return None
    generation = coordinator.generation_if_stable()
    if generation is None or coordinator.need_rejoin():
        return None
    return generation.generation_id, generation.member_id


def make_reader(settings: Settings, *, client_id: str, **overrides: Any) -> KafkaConsumer:
    """A consumer outside any group: the caller assigns partitions and seeks; nothing is committed."""
    config = dict(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), group_id=None, client_id=client_id,
                  enable_auto_commit=False, isolation_level="read_committed", request_timeout_ms=15000)
    config.update(overrides)
    return KafkaConsumer(**config)


def offset_meta(offset: int) -> OffsetAndMetadata:
    """What a commit of ``offset`` sends (kafka-python 3 takes a leader epoch, older ones not)."""
    try:
        return OffsetAndMetadata(offset, "", -1)
    except TypeError:  # older signature without leader epoch
        return OffsetAndMetadata(offset, "")


class GroupOffsets:
    """A group's committed offsets of one topic, read as often as needed over one connection
    (it does not join the group). Close it after use."""

    def __init__(self, settings: Settings, group_id: str, topic: str) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                                       group_id=group_id, enable_auto_commit=False, client_id=f"{group_id}-offsets")
        self.partitions = [TopicPartition(topic, p) for p in sorted(self._consumer.partitions_for_topic(topic) or ())]

    def committed(self) -> dict[int, int]:
        """partition -> committed offset (0 where nothing was committed)."""
        return {tp.partition: self._consumer.committed(tp) or 0 for tp in self.partitions}

    def close(self) -> None:
        self._consumer.close(autocommit=False)


def committed_offsets(settings: Settings, group_id: str, topic: str) -> dict[int, int]:
    """partition -> the group's committed offset of ``topic`` (0 where nothing was committed)."""
    offsets = GroupOffsets(settings, group_id, topic)
    try:
        return offsets.committed()
    finally:
        offsets.close()


def end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    """partition -> the offset after the last record of ``topic``."""
    consumer = make_reader(settings, client_id="tanggap-offsets")
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def kafka_ready(settings: Settings) -> Callable[[], None]:
    """A readiness check for a service's ``/readyz``: raises while no bootstrap server answers."""
    def check() -> None:
        if not reachable(settings):
            raise ConnectionError("no bootstrap server answers")
    return check


def reachable(settings: Settings, timeout: float = 1.0) -> bool:
    """True when at least one bootstrap server accepts a TCP connection."""
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False
