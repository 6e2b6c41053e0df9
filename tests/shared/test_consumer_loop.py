"""The one consumer loop against the real broker: a refused record is dead-lettered with its
reason, offsets are committed after the batch, rebalances reach the hooks, and a reader reads
exactly a range of offsets."""
from __future__ import annotations

import threading

import pytest

from shared.messaging import clients
from shared.messaging.consumer import ConsumerLoop, DeadLetter, Gather, read_range
from shared.messaging.topics import Topics

from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
QUICK = Gather(batch_size=50, poll_records=50, first_wait_s=0.2, longest_s=0.2, backlog_s=0.5, linger_s=0.05)


def send(settings, topic: str, values: list[bytes], key: str = "k") -> list[tuple[int, int]]:
    producer = clients.make_producer(settings, client_id="test-loop")
    try:
        futures = [producer.send(topic, key=key, value=v) for v in values]
        producer.flush(timeout=30)
        return [(f.get(timeout=10).partition, f.get(timeout=10).offset) for f in futures]
    finally:
        producer.close(timeout=5)


class Recorder:
    def __init__(self):
        self.seen: list[bytes] = []
        self.assigned: list[set] = []
        self.revoked: list[set] = []
        self.between = 0

    def handle(self, batch, fence=lambda: None):
        dead = []
        for tp, records in batch.items():
            for record in records:
                self.seen.append(record.value)
                if record.value.startswith(b"bad"):
                    dead.append(DeadLetter(tp, record, "refused by the test"))
        return dead

    def tick(self):
        self.between += 1


def run_in_thread(loop: ConsumerLoop):
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def test_refused_records_are_dead_lettered_and_the_batch_committed(fresh_settings):
    settings = fresh_settings
    topics = Topics.from_settings(settings)
    group = f"{settings.kafka_topic_prefix}loop-test"
    producer = clients.make_producer(settings, client_id="test-deadletters")
    rec = Recorder()
    loop = ConsumerLoop(settings, topics=[topics.responses], group_id=group, client_id="test-loop", handle=rec.handle,
                        deadletter_topic=topics.deadletter, producer=lambda: producer, gather_policy=QUICK,
                        between_batches=rec.tick, on_assigned=rec.assigned.append, on_revoked=rec.revoked.append,
                        session_timeout_ms=6000, heartbeat_interval_ms=2000)
    stop, thread = run_in_thread(loop)
    try:
        positions = send(settings, topics.responses, [b"good-1", b"bad-2", b"good-3"])
        eventually(lambda: len(rec.seen) >= 3, timeout=60, message="the loop never handled the records")
        partition, end = positions[0][0], positions[-1][1] + 1
        eventually(lambda: clients.committed_offsets(settings, group, topics.responses).get(partition) == end,
                   timeout=30, message="offsets not committed after the batch")
    finally:
        stop.set()
        thread.join(timeout=30)
        producer.close(timeout=5)
    assert rec.seen == [b"good-1", b"bad-2", b"good-3"] and rec.between >= 1
    assert {tp.topic for tp in set().union(*rec.assigned)} == {topics.responses}
    (dead,) = read_topic(settings, topics.deadletter)
    headers = dict(dead.headers)
    assert dead.value == b"bad-2" and headers["reason"] == b"refused by the test"
    assert headers["consumer"] == group.encode()
    assert headers["source"] == f"{topics.responses}/{partition}/{positions[1][1]}".encode()
    assert loop.stats["dead_lettered"] == 1 and loop.stats["records"] == 3


def test_a_second_member_takes_partitions_and_the_first_hears_of_it(fresh_settings):
    settings = fresh_settings
    topics = Topics.from_settings(settings)
    group = f"{settings.kafka_topic_prefix}loop-rebalance"
    first, second = Recorder(), Recorder()

    def loop_for(rec):
        return ConsumerLoop(settings, topics=[topics.responses], group_id=group, client_id="test-loop",
                            handle=rec.handle, deadletter_topic=topics.deadletter, producer=lambda: None,
                            gather_policy=QUICK, on_assigned=rec.assigned.append, on_revoked=rec.revoked.append,
                            session_timeout_ms=6000, heartbeat_interval_ms=2000)

    stop1, t1 = run_in_thread(loop_for(first))
    try:
        everything = settings.kafka_responses_partitions
        # (a first assignment may be empty while the new topic's metadata arrives)
        eventually(lambda: first.assigned and len(first.assigned[-1]) == everything, timeout=60,
                   message="the first member never got every partition")
        before = len(first.revoked)
        stop2, t2 = run_in_thread(loop_for(second))
        try:
            eventually(lambda: len(first.revoked) > before and second.assigned and second.assigned[-1], timeout=60,
                       message="no rebalance reached the hooks")
            eventually(lambda: len(first.assigned[-1]) + len(second.assigned[-1]) == everything, timeout=60,
                       message="the partitions were not shared between the two members")
            assert first.assigned[-1].isdisjoint(second.assigned[-1])
        finally:
            stop2.set()
            t2.join(timeout=30)
    finally:
        stop1.set()
        t1.join(timeout=30)


def test_read_range_reads_exactly_the_asked_offsets(fresh_settings):
    settings = fresh_settings
    topic = Topics.from_settings(settings).deadletter
    positions = send(settings, topic, [f"r{i}".encode() for i in range(6)], key="same")
    partition = positions[0][0]
    got: list[tuple[int, bytes]] = []
    read_range(settings, topic, {partition: 2}, {partition: 5},
               lambda tp, records: got.extend((r.offset, r.value) for r in records), client_id="test-range")
    assert got == [(2, b"r2"), (3, b"r3"), (4, b"r4")]
    read_range(settings, topic, {partition: 6}, {partition: 6}, lambda tp, records: got.append("never"),
               client_id="test-range")
    assert len(got) == 3


class Flaky(Recorder):
    """Raises for a poison record (a bug on one record), and once, for the first batch, as if
    the database were unreachable; records are 'stored' only when a whole call succeeds."""

    def __init__(self):
        super().__init__()
        self.stored: list[bytes] = []
        self.outage = True

    def handle(self, batch, fence=lambda: None):
        values = [r.value for records in batch.values() for r in records]
        if self.outage:
            self.outage = False
            raise ConnectionError("database unreachable")
        if b"poison" in values:
            raise KeyError("the fold cannot take this one")
        self.stored += values
        return []


def test_a_record_that_breaks_the_handler_is_isolated_and_an_outage_is_retried(fresh_settings):
    settings = fresh_settings
    topics = Topics.from_settings(settings)
    group = f"{settings.kafka_topic_prefix}loop-isolation"
    producer = clients.make_producer(settings, client_id="test-deadletters")
    values = [f"ok-{i}".encode() for i in range(5)] + [b"poison"] + [f"ok-{i}".encode() for i in range(5, 10)]
    send(settings, topics.responses, values, key="one-partition")
    flaky = Flaky()
    loop = ConsumerLoop(settings, topics=[topics.responses], group_id=group, client_id="test-loop", handle=flaky.handle,
                        deadletter_topic=topics.deadletter, producer=lambda: producer, gather_policy=QUICK,
                        session_timeout_ms=6000, heartbeat_interval_ms=2000)
    loop.first_backoff_s = 0.05
    stop, thread = run_in_thread(loop)
    try:
        eventually(lambda: len(flaky.stored) >= 10, timeout=60, message="the good records were not all stored")
        eventually(lambda: loop.stats["dead_lettered"] >= 1, timeout=30, message="the poison was not dead-lettered")
    finally:
        stop.set()
        thread.join(timeout=30)
        producer.close(timeout=5)
    assert sorted(flaky.stored) == sorted(v for v in values if v != b"poison")   # each once, in spite of retries
    assert flaky.stored == [v for v in values if v != b"poison"]                 # and in order
    assert loop.stats["retries"] == 1 and loop.stats["isolated"] == 1
    (dead,) = read_topic(settings, topics.deadletter)
    assert dead.value == b"poison" and dict(dead.headers)["reason"] == b"KeyError"   # the class, never the text
