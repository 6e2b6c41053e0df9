"""The aggregator worker against the real broker and database: folding, redelivery, dead
letters, and coaching cases opened once and closed on recovery."""
from __future__ import annotations

import json

import pytest
from kafka import TopicPartition

from shared.domain import berakhlak as b
from shared.messaging.topics import Topics
from shared.records.directory import Employee, Unit

from services.aggregator.coaching.cases import CaseClosure, CaseOpening
from services.aggregator.pipeline.worker import IndicatorWorker
from services.aggregator.queries import reports
from services.aggregator.state import store
from tests.support.aggregator import WorkerThread, appraisal_event, lag, nip, peer_event, publish, skm_event
from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def test_worker_folds_every_kind_of_event_into_the_indicators(fresh_settings, clock):
    events = [skm_event("DISDUK", 4, officer=nip(1), service="KTP"), skm_event("DISDUK", 2, officer=nip(1)),
              skm_event("RSUD", 3)]
    events += [peer_event(nip(2), r, 4) for r in "abc"] + [appraisal_event(nip(2), "2026-11", b.DI_BAWAH)]
    publish(fresh_settings, events)
    with WorkerThread(fresh_settings, clock, decisions=False) as w:
        w.wait_for(len(events))
    (unit,) = reports.units("2026-11", "DISDUK")
    assert unit["respondents"] == 2 and unit["nrr"]["U1"] == 3.0 and unit["ikm"] == 75.0
    (service,) = reports.services("2026-11", "DISDUK")
    assert service["service"] == "KTP" and service["respondents"] == 1 and service["ikm"] == 100.0
    (officer,) = reports.officers("2026-11")
    assert officer["nip"] == nip(1) and officer["responses"] == 2 and officer["u6"] == 3.0
    (peer,) = reports.peer("2026-Q4")
    assert peer["released"] and peer["raters"] == 3 and peer["perilaku"] == b.SESUAI
    (predikat,) = reports.predikat("2026-11")
    assert predikat["predikat"] == b.BUTUH_PERBAIKAN  # di bawah x sesuai
    assert reports.units("2026-Q4", "DISDUK")[0]["respondents"] == 2
    assert reports.units("2026", "RSUD")[0]["respondents"] == 1


def test_a_redelivered_batch_changes_nothing(fresh_settings, clock):
    events = [skm_event("DISDUK", 3) for _ in range(5)] + [peer_event(nip(3), "a", 4)]
    publish(fresh_settings, events)
    records = read_topic(fresh_settings, Topics.from_settings(fresh_settings).responses)
    batch = {}
    for record in records:
        batch.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
    worker = IndicatorWorker(fresh_settings, clock=clock, decisions=False)
    worker.handle(batch)
    before = {d["_id"]: d for d in store.collection().find()}
    worker.handle(batch)            # as if the offsets were never committed
    IndicatorWorker(fresh_settings, clock=clock, decisions=False).handle(batch)  # or another worker got it
    after = {d["_id"]: d for d in store.collection().find()}
    assert after == before
    assert reports.units("2026-11", "DISDUK")[0]["respondents"] == 5


def test_poison_messages_go_to_the_dead_letter_topic_and_the_worker_keeps_going(fresh_settings, clock):
    bad_payload = skm_event("DISDUK", 3).to_json()
    bad_payload["payload"]["answers"] = {"U1": 9}
    unknown = skm_event("DISDUK", 3).to_json() | {"type": "something.else"}
    raw = [("DISDUK", b"{not json"), ("DISDUK", json.dumps(bad_payload).encode()),
           ("DISDUK", json.dumps(unknown).encode()), ("DISDUK", b"[1, 2]")]
    publish(fresh_settings, [skm_event("DISDUK", 4)], raw=raw)
    publish(fresh_settings, [skm_event("DISDUK", 4)])
    with WorkerThread(fresh_settings, clock, decisions=False) as w:
        w.wait_for(6)
        eventually(lambda: lag(fresh_settings) == 0, timeout=30, message="offsets not committed")
    assert reports.units("2026-11", "DISDUK")[0]["respondents"] == 2
    dead = read_topic(fresh_settings, Topics.from_settings(fresh_settings).deadletter)
    reasons = sorted(dict(r.headers)["reason"].decode() for r in dead)
    assert len(dead) == 4
    assert reasons[0].startswith("bad payload for skm.response.submitted") and "answers" in reasons[0]
    assert "not JSON" in reasons and "not a JSON object" in reasons
    assert any(r.startswith("unknown event type") for r in reasons)
    assert {r.value for r in dead} >= {b"{not json", b"[1, 2]"}  # the original bytes, for inspection


# -- coaching ---------------------------------------------------------------------------------

def directory(clock):
    Unit.save_revision("DISDUK", {"name": "Disdukcapil", "head_nip": nip(100)}, at=clock.now(), by="test")
    Employee.save_revision(nip(100), {"name": "Kepala", "unit": "DISDUK"}, at=clock.now(), by="test")
    for n in (1, 2):
        Employee.save_revision(nip(n), {"name": f"Pegawai {n}", "unit": "DISDUK", "supervisor_nip": nip(100)},
                               at=clock.now(), by="test")


def case_events(settings):
    return [json.loads(r.value) for r in read_topic(settings, Topics.from_settings(settings).coaching)]


def run(settings, clock, events):
    publish(settings, events)
    with WorkerThread(settings, clock) as w:
        w.wait_for(len(events))
        eventually(lambda: lag(settings) == 0, timeout=30, message="offsets not committed")


def test_predikat_below_baik_opens_one_case_and_closes_it_when_it_recovers(fresh_settings, clock):
    directory(clock)
    low = [peer_event(nip(1), r, 2, period="2026-11") for r in "abc"]
    run(fresh_settings, clock, low + [appraisal_event(nip(1), "2026", b.SESUAI)])
    # The same problem again in a later batch: no second case.
    run(fresh_settings, clock, [peer_event(nip(1), "d", 2, period="2026-12")])
    opened = [e for e in case_events(fresh_settings) if e["payload"]["rule"] == "predikat-below-baik"]
    assert len({e["payload"]["case_id"] for e in opened}) == 1
    event = opened[0]
    assert event["type"] == "coaching.case.opened" and event["key"] == nip(1)
    case = event["payload"]
    assert case["case_id"] == f"predikat-below-baik|{nip(1)}|2026|1"
    assert case["subject_type"] == "employee" and case["subject"] == nip(1) and case["unit"] == "DISDUK"
    assert case["period"] == "2026" and case["severity"] == "critical" and case["closed_at"] is None
    assert case["evidence"]["values"] == {"hasil_kerja": "sesuai", "perilaku": "di_bawah", "predikat": "kurang"}
    assert case["evidence"]["rule"] == "predikat-below-baik" and case["evidence"]["period"] == "2026"
    assert "Pegawai" not in json.dumps(case["summary"])  # no names
    assert CaseOpening.objects(rule="predikat-below-baik").count() == 1

    # Recovery: later, better peer ratings lift the year's perilaku, and the predikat becomes Baik.
    run(fresh_settings, clock, [peer_event(nip(1), r, 5, period="2026-12") for r in "efghijklmnop"])
    closed = [e for e in case_events(fresh_settings) if e["type"] == "coaching.case.closed"
              and e["payload"]["rule"] == "predikat-below-baik"]
    assert len(closed) == 1 and closed[0]["payload"]["case_id"] == case["case_id"]
    assert closed[0]["payload"]["closed_at"] is not None
    assert closed[0]["payload"]["evidence"]["values"]["predikat"] == "baik"
    assert CaseClosure.objects.count() >= 1


def test_unit_ikm_falling_to_c_goes_to_the_unit_and_reopens_as_a_new_generation(fresh_settings, clock):
    from services.aggregator.coaching.rule_config import CoachingRule
    directory(clock)
    CoachingRule.save_revision("unit-ikm-low", {"kind": "unit_ikm_low", "severity": "warning",
                                                "params": {"min_respondents": 2}}, at=clock.now(), by="test")
    run(fresh_settings, clock, [skm_event("DISDUK", 2), skm_event("DISDUK", 3)])          # 62.5: D
    run(fresh_settings, clock, [skm_event("DISDUK", 4) for _ in range(6)])               # 89.3: A -> closed
    run(fresh_settings, clock, [skm_event("DISDUK", 1) for _ in range(12)])              # D again
    events = [e for e in case_events(fresh_settings) if e["payload"]["rule"] == "unit-ikm-low"]
    assert [(e["type"], e["payload"]["case_id"].rsplit("|", 1)[1]) for e in events] == [
        ("coaching.case.opened", "1"), ("coaching.case.closed", "1"), ("coaching.case.opened", "2")]
    first = events[0]["payload"]
    assert first["subject_type"] == "unit" and first["subject"] == "DISDUK" and events[0]["key"] == "DISDUK"
    assert first["evidence"]["values"]["mutu"] == "D" and first["evidence"]["thresholds"]["min_respondents"] == 2


def test_officer_satisfaction_below_threshold_and_a_drop(fresh_settings, clock):
    from services.aggregator.coaching.rule_config import CoachingRule
    directory(clock)
    CoachingRule.save_revision("officer-low", {"kind": "officer_low", "severity": "warning",
                                               "params": {"min_responses": 3, "threshold": 75}},
                               at=clock.now(), by="test")
    CoachingRule.save_revision("officer-drop", {"kind": "officer_drop", "severity": "info",
                                                "params": {"min_responses": 2, "min_clients": 2, "points": 20}},
                               at=clock.now(), by="test")
    october = [skm_event("DISDUK", 4, officer=nip(2), period="2026-10") for _ in range(2)]
    # November: served in two units, whose responses are merged for the officer.
    november = [skm_event("DISDUK", 2, officer=nip(2)) for _ in range(2)] + [skm_event("RSUD", 2, officer=nip(2))]
    run(fresh_settings, clock, october + november)
    by_rule = {}
    for e in case_events(fresh_settings):
        by_rule.setdefault(e["payload"]["rule"], []).append(e["payload"])
    (low,) = by_rule["officer-low"]
    # Rolling window of 3 months: October's 2 responses and November's 3, index 70 < 75.
    assert low["subject"] == nip(2) and low["period"] == "2026-11"
    assert low["evidence"]["values"] == {"index": 70.0, "responses": 5, "clients": 5, "kiosk": 0,
                                         "window": ["2026-09", "2026-11"]}
    (drop,) = by_rule["officer-drop"]
    values = drop["evidence"]["values"]
    assert values["drop"] == 50.0 and values["previous_period"] == "2026-10" and values["responses"] == 3


def test_a_case_event_lost_in_a_crash_is_published_again(fresh_settings, clock):
    """The case was recorded but the worker died before its event was acknowledged: the
    redelivered batch publishes it (the notifier dedupes by case id and type)."""
    directory(clock)
    events = [peer_event(nip(1), r, 1) for r in "abc"] + [appraisal_event(nip(1), "2026-11", b.SESUAI)]
    publish(fresh_settings, events)
    records = read_topic(fresh_settings, Topics.from_settings(fresh_settings).responses)
    batch = {}
    for record in records:
        batch.setdefault(TopicPartition(record.topic, record.partition), []).append(record)

    class LostProducer:
        """Takes the case events and loses them, like a crash before the send completed."""
        def send(self, *a, **kw):
            raise ConnectionError("worker died")

        def flush(self, timeout=None):
            pass

    with pytest.raises(ConnectionError):
        IndicatorWorker(fresh_settings, clock=clock, producer=LostProducer()).handle(batch)
    assert CaseOpening.objects.count() >= 1 and case_events(fresh_settings) == []
    IndicatorWorker(fresh_settings, clock=clock).handle(batch)
    published = {e["payload"]["case_id"] for e in case_events(fresh_settings)}
    assert published == {c.id for c in CaseOpening.objects}


def test_concurrent_workers_deciding_the_same_case_open_it_once(fresh_settings, clock):
    """Workers owning different partitions may find the same problem at the same moment:
    the unique case id lets exactly one insert win; the others publish the stored case."""
    import threading

    from shared.messaging.clients import make_producer

    from services.aggregator.coaching import rules
    from services.aggregator.coaching.cases import Decider

    rule = rules.DEFAULT_RULES["officer-low"]
    finding = rules.Finding(rule, "employee", nip(5), "DISDUK", "2026-11", True,
                            {"rule": rule.code, "values": {"index": 50.0}}, {"id": "rendah", "en": "low"})
    producer = make_producer(fresh_settings, client_id="test-deciders")
    topic = Topics.from_settings(fresh_settings).coaching
    start = threading.Barrier(6)
    errors = []

    def decide():
        try:
            start.wait(timeout=30)
            Decider(producer, topic, clock).apply([finding])
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=decide) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    producer.close(timeout=5)
    assert errors == []
    assert [c.id for c in CaseOpening.objects] == [f"officer-low|{nip(5)}|2026-11|1"]
    published = case_events(fresh_settings)
    assert published and {e["payload"]["case_id"] for e in published} == {f"officer-low|{nip(5)}|2026-11|1"}
    assert len({json.dumps(e["payload"], sort_keys=True) for e in published}) == 1  # the same stored case each time
    assert len({e["event_id"] for e in published}) == 1                              # so the notifier can dedupe
