"""Kafka producer and consumer factories with the project's delivery guarantees.

Producer: acks=all, idempotent, bounded retries and delivery timeout, keyed sends (the key
decides the partition, so order holds per key). Consumer: consumer groups, no auto-commit;
:func:`run_batches` commits only after the handler returned, i.e. after its effect is durable.
"""
from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.serializer import Serializer

from shared.contracts.events import Event
from shared.platform.config import Settings

log = logging.getLogger(__name__)


class Utf8Keys(Serializer):
    def serialize(self, topic, headers, data):
        return data.encode("utf-8") if data is not None else None


def make_producer(settings: Settings, *, client_id: str, **overrides) -> KafkaProducer:
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


def send_event(producer: KafkaProducer, topic: str, event: Event, headers: list | None = None):
    """Send keyed by ``event.key``; returns the future (``.get()`` gives partition and offset)."""
    return producer.send(topic, key=event.key, value=event.encode(),
                         headers=[("type", event.type.encode()), *(headers or [])])


def make_consumer(settings: Settings, topics: Iterable[str], *, group_id: str, client_id: str,
                  **overrides) -> KafkaConsumer:
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
    consumer.subscribe(list(topics))
    return consumer


Batch = dict[TopicPartition, list[ConsumerRecord]]


def run_batches(consumer: KafkaConsumer, handle: Callable[[Batch], None], stop: threading.Event,
                poll_ms: int = 500, max_batches: int | None = None) -> int:
    """Poll, hand each non-empty batch to ``handle``, then commit what it was given.

    If ``handle`` raises, nothing of the batch is committed and the exception propagates
    (the process exits and the group redelivers; handlers are idempotent). Returns the
    number of records handled.
    """
    handled = batches = 0
    while not stop.is_set() and (max_batches is None or batches < max_batches):
        batch = consumer.poll(timeout_ms=poll_ms)
        if not batch:
            continue
        handle(batch)
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        consumer.commit({tp: _offset_meta(offset) for tp, offset in offsets.items()})
        handled += sum(len(r) for r in batch.values())
        batches += 1
    return handled


def _offset_meta(offset: int):
    from kafka.structs import OffsetAndMetadata
    try:
        return OffsetAndMetadata(offset, "", -1)
    except TypeError:  # older signature without leader epoch
        return OffsetAndMetadata(offset, "")


def kafka_ready(settings: Settings):
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
