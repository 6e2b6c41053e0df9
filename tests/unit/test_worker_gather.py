"""How the aggregator worker gathers polls into a batch (a fake consumer: pure loop logic)."""
from __future__ import annotations

import threading
from collections import namedtuple

from kafka import TopicPartition

from shared.platform.config import Settings

from services.aggregator.pipeline import worker as worker_mod
from services.aggregator.pipeline.worker import IndicatorWorker

Record = namedtuple("Record", "offset")
TP = TopicPartition("t", 0)


class FakeConsumer:
    """Returns the scripted polls in order (then nothing), with a fixed high-water mark."""

    def __init__(self, polls: list[list[int]], highwater: int):
        self.polls = list(polls)
        self.hw = highwater
        self.timeouts: list[int] = []

    def poll(self, timeout_ms: int, max_records: int):
        self.timeouts.append(timeout_ms)
        if not self.polls:
            return {}
        return {TP: [Record(o) for o in self.polls.pop(0)]}

    def highwater(self, tp):
        return self.hw


def test_a_caught_up_worker_handles_the_batch_after_a_short_pause():
    consumer = FakeConsumer([[0, 1, 2]], highwater=3)
    batch = IndicatorWorker(Settings(), batch_size=100)._gather(consumer, threading.Event())
    assert [r.offset for r in batch[TP]] == [0, 1, 2]
    # the first poll waits for work; caught up, the next waits only LINGER_S, and its emptiness ends the batch
    assert consumer.timeouts == [500, int(worker_mod.LINGER_S * 1000)]


def test_records_that_were_behind_are_gathered_until_caught_up():
    consumer = FakeConsumer([[0, 1], [2, 3]], highwater=4)
    batch = IndicatorWorker(Settings(), batch_size=100)._gather(consumer, threading.Event())
    assert [r.offset for r in batch[TP]] == [0, 1, 2, 3]
    assert consumer.timeouts[1] > worker_mod.LINGER_S * 1000          # more was known to be there
    assert consumer.timeouts[2] == int(worker_mod.LINGER_S * 1000)    # then caught up


def test_with_a_backlog_the_worker_keeps_waiting_for_more_records():
    consumer = FakeConsumer([[0, 1], [2]], highwater=1000)
    IndicatorWorker(Settings(), batch_size=100)._gather(consumer, threading.Event())
    assert all(t > worker_mod.LINGER_S * 1000 for t in consumer.timeouts[1:])


def test_a_batch_never_exceeds_the_batch_size():
    consumer = FakeConsumer([[0, 1, 2], [3, 4, 5], [6, 7, 8]], highwater=1000)
    batch = IndicatorWorker(Settings(), batch_size=6)._gather(consumer, threading.Event())
    assert sum(len(r) for r in batch.values()) == 6
