"""How the consumer loop gathers polls into a batch (a fake consumer: pure loop logic)."""
from __future__ import annotations

import threading
from collections import namedtuple
from dataclasses import replace

import pytest
from kafka import TopicPartition

from shared.messaging.consumer import Gather, gather

pytestmark = pytest.mark.unit
POLICY = Gather(batch_size=100, first_wait_s=0.5, linger_s=0.05, longest_s=1.0, backlog_s=10.0)

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


def test_a_caught_up_consumer_handles_the_batch_after_a_short_pause():
    consumer = FakeConsumer([[0, 1, 2]], highwater=3)
    batch = gather(consumer, POLICY, threading.Event())
    assert [r.offset for r in batch[TP]] == [0, 1, 2]
    # the first poll waits for work; caught up, the next waits only LINGER_S, and its emptiness ends the batch
    assert consumer.timeouts == [500, int(POLICY.linger_s * 1000)]


def test_records_that_were_behind_are_gathered_until_caught_up():
    consumer = FakeConsumer([[0, 1], [2, 3]], highwater=4)
    batch = gather(consumer, POLICY, threading.Event())
    assert [r.offset for r in batch[TP]] == [0, 1, 2, 3]
    assert consumer.timeouts[1] > POLICY.linger_s * 1000          # more was known to be there
    assert consumer.timeouts[2] == int(POLICY.linger_s * 1000)    # then caught up


def test_with_a_backlog_the_consumer_keeps_waiting_for_more_records():
    consumer = FakeConsumer([[0, 1], [2]], highwater=1000)
    gather(consumer, POLICY, threading.Event())
    assert all(t > POLICY.linger_s * 1000 for t in consumer.timeouts[1:])


def test_a_batch_never_exceeds_the_batch_size():
    consumer = FakeConsumer([[0, 1, 2], [3, 4, 5], [6, 7, 8]], highwater=1000)
    batch = gather(consumer, replace(POLICY, batch_size=6), threading.Event())
    assert sum(len(r) for r in batch.values()) == 6


def test_a_batch_of_one_poll_when_the_policy_says_so():
    consumer = FakeConsumer([[0, 1], [2, 3]], highwater=4)
    once = Gather(batch_size=50, poll_records=50, longest_s=0, backlog_s=0, linger_s=0)   # the notifier's
    batch = gather(consumer, once, threading.Event())
    assert [r.offset for r in batch[TP]] == [0, 1] and len(consumer.timeouts) == 1


def test_nothing_polled_is_an_empty_batch_once_the_longest_wait_is_over():
    consumer = FakeConsumer([], highwater=0)
    assert gather(consumer, replace(POLICY, longest_s=0.01), threading.Event()) == {}
    assert set(consumer.timeouts) == {500}   # each poll waits for a first record
