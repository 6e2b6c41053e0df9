"""Exactly-once in effect under crashes: real worker processes are killed with SIGKILL in the
middle of batches (and one of two workers sharing the group half-way through 10,000
events); afterwards every indicator equals a full recomputation from the stored responses,
and every total equals what was stored: nothing counted twice, nothing lost."""
from __future__ import annotations

import json
import random
import threading
import time

import pytest
from kafka.admin import KafkaAdminClient

from shared.domain import berakhlak as b
from shared.messaging import clients
from shared.messaging.topics import Topics
from shared.records.responses import Response

from services.aggregator.coaching.cases import CaseClosure, CaseOpening
from services.aggregator.pipeline import rebuild
from services.aggregator.pipeline.worker import group_id
from services.aggregator.queries import reports
from services.aggregator.state import store
from tests.support.aggregator import appraisal_event, lag, nip, peer_event, publish, publish_and_store, skm_event
from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.race
UNITS = [f"UNIT-{i}" for i in range(8)]


def make_events(n: int, seed: int) -> list:
    rng = random.Random(seed)
    events = []
    for _i in range(n):
        period = rng.choice(("2026-10", "2026-11"))
        if rng.random() < 0.8:
            answers = {c: rng.randint(1, 4) for c in ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
                       if rng.random() < 0.95} or {"U1": 3}
            events.append(skm_event(rng.choice(UNITS), answers, period=period,
                                    officer=nip(rng.randrange(20)) if rng.random() < 0.7 else None,
                                    service=rng.choice(("KTP", "KK", None))))
        else:
            ratee = nip(rng.randrange(10))
            relation = "self" if rng.random() < 0.1 else rng.choice(("peer", "subordinate", "supervisor"))
            events.append(peer_event(ratee, f"{ratee}-{rng.randrange(8)}", rng.randint(1, 5), relation=relation,
                                     period=period, unit="UNIT-0"))
    return events


def flow(settings, events: list, chunk: int, stop: threading.Event) -> None:
    """Events arriving while the workers consume: published and stored chunk by chunk, as the
    survey service and its relay do."""
    for start in range(0, len(events), chunk):
        if stop.is_set():
            return
        publish_and_store(settings, events[start:start + chunk])


def start_worker(services, batch_size: int):
    return services.run("aggregator-worker", "services.aggregator", "worker", "--batch-size", str(batch_size),
                        "--session-timeout-ms", "6000")


class Progress:
    """Committed offsets of the group and the state's applied offsets, per partition."""

    def __init__(self, settings):
        self.settings = settings
        self.topic = Topics.from_settings(settings).responses
        self.offsets = clients.GroupOffsets(settings, group_id(settings), self.topic)

    def committed(self) -> dict[int, int]:
        return self.offsets.committed()

    def applied(self) -> dict[int, int]:
        out = {tp.partition: -1 for tp in self.offsets.partitions}
        for doc in store.collection().find({"topic": self.topic}, {"partition": 1, "applied": 1}):
            out[doc["partition"]] = max(out[doc["partition"]], doc["applied"])
        return out

    def mid_batch(self) -> bool:
        """State written beyond the committed offset: a batch is between its write and its commit."""
        committed, applied = self.committed(), self.applied()
        return any(applied[p] >= committed[p] for p in committed)

    def close(self):
        self.offsets.close()


def assert_everything_equals_the_recomputation(settings, stored_events: list, appraisals: int = 0) -> None:
    # Independent totals: every stored SKM response counted exactly once, per unit and month.
    expected: dict[tuple[str, str], int] = {}
    for e in stored_events:
        if e.type == "skm.response.submitted":
            key = (e.payload["unit"], e.payload["period"])
            expected[key] = expected.get(key, 0) + 1
    counted = {(u["unit"], period): u["respondents"] for period in ("2026-10", "2026-11")
               for u in reports.units(period)}
    assert counted == expected
    # Every state document equals the recomputation from the stored responses...
    from_store = rebuild.from_store(settings)
    assert from_store.events == len(stored_events)
    assert rebuild.differences(rebuild.incremental(settings, rebuild.STORE_KINDS), from_store) == []
    # ... and from the topic (which also holds the appraisals).
    from_topic = rebuild.from_topic(settings)
    assert from_topic.events == len(stored_events) + appraisals
    assert rebuild.differences(rebuild.incremental(settings, rebuild.ALL_KINDS), from_topic) == []


def assert_cases_are_consistent(settings) -> None:
    """One open case per (rule, subject, period) at most, and every case event was published."""
    cases = {c.id: c for c in CaseOpening.objects}
    closed = {c.id for c in CaseClosure.objects}
    open_per_slot: dict[str, int] = {}
    for case in cases.values():
        if case.id not in closed:
            open_per_slot[case.slot] = open_per_slot.get(case.slot, 0) + 1
    assert all(n == 1 for n in open_per_slot.values()), open_per_slot
    events = [json.loads(r.value) for r in read_topic(settings, Topics.from_settings(settings).coaching)]
    assert {e["payload"]["case_id"] for e in events if e["type"] in ("coaching.case.opened", "recognition.granted")
            } == set(cases)
    assert {e["payload"]["case_id"] for e in events if e["type"] == "coaching.case.closed"} == closed


def test_kill_9_in_the_middle_of_batches_repeatedly(fresh_settings, processes):
    settings = fresh_settings
    events = make_events(1500, seed=9)
    appraisals = [appraisal_event(nip(i), "2026-11", b.DI_BAWAH if i % 2 else b.SESUAI, unit="UNIT-0")
                  for i in range(20)]
    publish(settings, appraisals)
    total = len(events) + len(appraisals)
    services = processes(settings)
    progress = Progress(settings)
    kills = mid_batch_kills = 0
    rounds = 5
    chunk = len(events) // rounds
    try:
        worker = start_worker(services, 50)
        for round_no in range(rounds):
            # New events arrive before every kill, so the worker is always busy when it dies.
            publish_and_store(settings, events[round_no * chunk:(round_no + 1) * chunk])
            # Catch the worker between a batch's state write and its offset commit.
            deadline = time.monotonic() + 15
            caught = False
            while time.monotonic() < deadline and worker.popen.poll() is None and lag(settings) > 0:
                if progress.mid_batch():
                    caught = True
                    break
            worker.kill()  # SIGKILL
            kills += 1
            mid_batch_kills += caught
            worker = start_worker(services, 50)
            # The new worker first redoes the killed batch (skipping what was written) and commits.
            eventually(lambda: not progress.mid_batch() or lag(settings) == 0, timeout=60,
                       message="the restarted worker never committed past the killed batch")
        eventually(lambda: lag(settings) == 0, timeout=120, message="the worker never caught up")
        worker.stop()
    finally:
        progress.close()
    assert kills == rounds and mid_batch_kills >= 1, (kills, mid_batch_kills)
    assert Response.objects(published=False).count() == 0
    assert_everything_equals_the_recomputation(settings, events, len(appraisals))
    assert_cases_are_consistent(settings)
    assert sum(rebuild.end_offsets(settings, Topics.from_settings(settings).responses).values()) == total


def group_members(settings) -> int:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","))
    try:
        group = admin.describe_groups([group_id(settings)])[group_id(settings)]
        return len(group.get("members") or []) if group.get("group_state") == "Stable" else 0
    finally:
        admin.close()


def test_race_two_concurrent_workers_one_killed_half_way_through_10000_events(fresh_settings, processes):
    settings = fresh_settings
    events = make_events(10_000, seed=10)
    services = processes(settings)
    doomed, survivor = start_worker(services, 250), start_worker(services, 250)
    eventually(lambda: group_members(settings) == 2, timeout=60, message="both workers never joined the group")
    stop = threading.Event()
    arriving = threading.Thread(target=flow, args=(settings, events, 500, stop), daemon=True)
    arriving.start()  # the events flow while both workers consume
    progress = Progress(settings)
    try:
        eventually(lambda: sum(progress.committed().values()) >= len(events) // 2, timeout=120,
                   message="half of the events were never consumed")
        doomed.kill()  # SIGKILL half-way; its partitions move to the survivor
        arriving.join(timeout=120)
        eventually(lambda: lag(settings) == 0, timeout=120, message="the survivor never took over")
        assert survivor.popen.poll() is None
        survivor.stop()
    finally:
        stop.set()
        progress.close()
    assert Response.objects(published=False).count() == 0
    assert_everything_equals_the_recomputation(settings, events)
    assert_cases_are_consistent(settings)
