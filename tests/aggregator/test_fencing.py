"""A worker stalled past ``max.poll.interval.ms`` loses its partitions; when it wakes it
writes nothing over the new owner's state, and the totals equal a recomputation. Two workers
of one group against the real broker and database; the stall is a wait on an event the test
sets (no sleep)."""
from __future__ import annotations

import threading

import pytest

from services.aggregator.pipeline import rebuild
from services.aggregator.queries import reports
from tests.support.aggregator import WorkerThread, lag, publish, skm_event
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
POLL_INTERVAL_MS = 4000


def test_a_stalled_worker_is_fenced_and_the_totals_equal_a_recomputation(fresh_settings, clock):
    settings = fresh_settings
    stalled, release = threading.Event(), threading.Event()

    def stall_once():
        if not stalled.is_set():
            stalled.set()
            release.wait(timeout=60)   # as long as the test needs: the group moves on meanwhile

    publish(settings, [skm_event("DISDUK", 4) for _ in range(10)])
    with WorkerThread(settings, clock, decisions=False, session_timeout_ms=6000, max_poll_interval_ms=POLL_INTERVAL_MS,
                      before_write=stall_once) as a:
        eventually(stalled.is_set, timeout=60, message="the first worker never reached its write")
        with WorkerThread(settings, clock, decisions=False, session_timeout_ms=6000,
                          max_poll_interval_ms=POLL_INTERVAL_MS) as b:
            # the stalled member leaves the group; the second takes the partition and goes on
            eventually(lambda: b.worker.stats["events"] >= 10, timeout=60, message="the second worker took nothing")
            publish(settings, [skm_event("DISDUK", 2) for _ in range(5)])
            eventually(lambda: lag(settings) == 0, timeout=60, message="the second worker did not catch up")
            assert reports.units("2026-11", "DISDUK")[0]["respondents"] == 15
            release.set()   # the first wakes up holding a batch of the partition it no longer owns
            publish(settings, [skm_event("DISDUK", 3) for _ in range(5)])
            eventually(lambda: lag(settings) == 0 and reports.units("2026-11", "DISDUK")[0]["respondents"] == 20,
                       timeout=90, message="the last events were not counted")
        assert a.error is None and a.worker.loop.stats["fenced"] >= 1   # it noticed, and wrote nothing
    assert reports.units("2026-11", "DISDUK")[0]["respondents"] == 20   # nothing overwritten, nothing lost
    recomputed = rebuild.recompute("topic", settings)
    assert rebuild.differences(rebuild.incremental(settings, recomputed.kinds), recomputed) == []
