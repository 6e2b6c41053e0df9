"""The officer index (where each officer was named) against the real broker and database:
written by the worker before the state, backfilled once for older state, rewritten by
rebuild, and giving the same employee results as reading every unit's document."""
from __future__ import annotations

import pytest
from kafka import TopicPartition

from shared.messaging.topics import Topics

from services.aggregator.pipeline import rebuild
from services.aggregator.pipeline.worker import IndicatorWorker
from services.aggregator.queries import reports
from services.aggregator.state import officer_index, store
from tests.support.aggregator import WorkerThread, nip, publish, skm_event
from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

A, B = nip(11), nip(12)


def _events():
    return [skm_event("DISDUK", 4, officer=A), skm_event("RSUD", 2, officer=A), skm_event("RSUD", 3, officer=B),
            skm_event("RSUD", 1), skm_event("DISDUK", 3, officer=A, period="2026-10")]


MONTHS = ("2026-10", "2026-11")


def _records(settings):
    return {(r["nip"], r["unit"], month) for month in MONTHS for r in officer_index.officers_coll(month).find()}


def _drop_index():
    """As state written by a version without the officer index."""
    for month in (None, *MONTHS):
        officer_index.officers_coll(month).drop()


def test_the_worker_indexes_officers_and_one_employee_reads_only_their_units(fresh_settings, clock):
    events = _events()
    publish(fresh_settings, events)
    with WorkerThread(fresh_settings, clock, decisions=False) as w:
        w.wait_for(len(events))
    assert officer_index.officer_index_complete()
    assert _records(fresh_settings) == {(A, "DISDUK", "2026-11"), (A, "RSUD", "2026-11"), (B, "RSUD", "2026-11"),
                                        (A, "DISDUK", "2026-10")}
    assert officer_index.units_of_officers({A}, ["2026-11"]) == {("DISDUK", "2026-11"), ("RSUD", "2026-11")}
    (one,) = reports.officers("2026-11", nips={A})
    assert [one] == [r for r in reports.officers("2026-11") if r["nip"] == A]   # same as reading every unit
    assert one["responses"] == 2 and one["units"] == ["DISDUK", "RSUD"] and one["u6"] == 3.0
    assert one["trend"]["previous"] is not None          # October, read through the index too
    assert reports.officers("2026-11", nips={nip(99)}) == []


def test_state_from_before_the_index_is_indexed_once_when_a_worker_starts(fresh_settings, clock):
    events = _events()
    publish(fresh_settings, events)
    batch: dict = {}
    for record in read_topic(fresh_settings, Topics.from_settings(fresh_settings).responses):
        batch.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
    IndicatorWorker(fresh_settings, clock=clock, decisions=False).handle(batch)
    _drop_index()
    assert not officer_index.officer_index_complete()
    assert officer_index.units_of_officers({A}, ["2026-11"]) is None
    (before,) = reports.officers("2026-11", nips={A})      # meanwhile: read every unit's document
    assert before["responses"] == 2
    with WorkerThread(fresh_settings, clock, decisions=False):
        eventually(officer_index.officer_index_complete, timeout=30, message="officer index not backfilled")
    assert _records(fresh_settings) == {(A, "DISDUK", "2026-11"), (A, "RSUD", "2026-11"), (B, "RSUD", "2026-11"),
                                        (A, "DISDUK", "2026-10")}
    assert reports.officers("2026-11", nips={A}) == [before]


def test_rebuild_writes_the_index_of_the_state_it_writes(fresh_settings, clock):
    events = _events()
    publish(fresh_settings, events)
    with WorkerThread(fresh_settings, clock, decisions=False) as w:
        w.wait_for(len(events))
        eventually(lambda: rebuild.committed_offsets(fresh_settings, Topics.from_settings(fresh_settings).responses)
                   and sum(rebuild.committed_offsets(
                       fresh_settings, Topics.from_settings(fresh_settings).responses).values()) == len(events),
                   timeout=30, message="offsets not committed")
    _drop_index()
    rebuild.write(fresh_settings, rebuild.from_topic(fresh_settings))
    assert officer_index.officer_index_complete()
    assert (A, "RSUD", "2026-11") in _records(fresh_settings) and len(_records(fresh_settings)) == 4


def test_a_crash_between_the_unit_and_the_officer_writes_is_repaired_by_the_redelivery(fresh_settings, clock):
    """The unit document and its officers' document each keep their own applied offset: if
    only the unit document of a batch was written, the redelivered batch completes the other."""
    first, second = _events()[:2], _events()[2:]
    publish(fresh_settings, first)
    records = read_topic(fresh_settings, Topics.from_settings(fresh_settings).responses)
    publish(fresh_settings, second)
    all_records = read_topic(fresh_settings, Topics.from_settings(fresh_settings).responses)
    later = [r for r in all_records if (r.partition, r.offset) not in {(x.partition, x.offset) for x in records}]

    def as_batch(recs):
        batch: dict = {}
        for r in recs:
            batch.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        return batch

    worker = IndicatorWorker(fresh_settings, clock=clock, decisions=False)
    worker.handle(as_batch(records))
    saved = {month: list(store.collection("skm-officers", month).find()) for month in MONTHS}
    worker.handle(as_batch(later))
    expected = reports.officers("2026-11")
    assert all("officers" not in d for d in store.collection().find({"kind": "skm"}))   # kept apart
    assert {c.name for c in store.officer_state_collections()} == {"indicator_officer_state_2026_10",
                                                                   "indicator_officer_state_2026_11"}
    # As if the process died after writing the unit documents of the second batch:
    for month, docs in saved.items():
        store.collection("skm-officers", month).delete_many({})
        if docs:
            store.collection("skm-officers", month).insert_many(docs)
    assert reports.officers("2026-11") != expected
    IndicatorWorker(fresh_settings, clock=clock, decisions=False).handle(as_batch(later))   # redelivered
    assert reports.officers("2026-11") == expected
    assert reports.units("2026-11", "RSUD")[0]["respondents"] == 3                 # nothing counted twice
