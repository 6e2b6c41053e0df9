"""Reading a whole topic back, to check what was published."""
from __future__ import annotations

import json
import time

from kafka import TopicPartition

from shared.messaging import clients
from shared.platform.config import Settings


def read_topic(settings: Settings, topic: str, timeout: float = 20.0) -> list:
    """Every record currently in ``topic`` (all partitions, from the start)."""
    consumer = clients.make_reader(settings, client_id="test-reader")
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        records = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def event_bodies(records) -> list[dict]:
    return [json.loads(r.value) for r in records]
