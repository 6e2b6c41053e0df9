"""Forged and broken records published straight to the responses and coaching topics: each
ends in the dead-letter topic with a reason, the records around it are counted exactly once,
and the worker processes never stop. Real worker processes, Kafka and database."""
from __future__ import annotations

import json

import pytest

from shared.contracts import payloads
from shared.contracts.events import new_event
from shared.messaging import clients
from shared.messaging.topics import Topics

from tests.notifier.conftest import case_event
from tests.support.aggregator import appraisal_event, lag, nip, publish, skm_event
from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def raw(settings, topic: str, records: list[tuple[str, bytes]]) -> None:
    producer = clients.make_producer(settings, client_id="test-forger")
    try:
        for key, value in records:
            producer.send(topic, key=key, value=value)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=5)


def test_bad_records_are_dead_lettered_and_the_workers_go_on(fresh_settings, processes):
    from services.aggregator.queries import reports
    from services.notifier.models import FollowUpCase

    settings = fresh_settings
    topics = Topics.from_settings(settings)
    running = processes(settings)
    worker = running.aggregator_worker()
    notifier = running.notifier_worker()

    # responses topic, all under one key (one partition, in this order)
    refused_by_the_database = appraisal_event(nip(7), "2026-11", "sesuai", unit="DISDUK").to_json()
    refused_by_the_database["payload"]["appraisal_id"] = "a\x00b"     # valid by the contract; the database refuses it
    # a valid event of a type the fold has no state for
    fold_cannot_take = new_event(payloads.CASE_OPENED, "DISDUK", case_event(nip(8)).payload, producer="forger")
    records = [("DISDUK", skm_event("DISDUK", 4).encode()), ("DISDUK", b"{not json"), ("DISDUK", b"[1, 2]"),
               ("DISDUK", json.dumps(refused_by_the_database).encode()), ("DISDUK", fold_cannot_take.encode()),
               ("DISDUK", skm_event("DISDUK", 2).encode())]
    raw(settings, topics.responses, records)
    publish(settings, [skm_event("DISDUK", 3)])

    # coaching topic: a case whose document the database refuses, between two good ones
    good, other = case_event(nip(1), case_id="c-1"), case_event(nip(2), case_id="c-2")
    refused_case = case_event(nip(3), case_id="c-3").to_json()
    refused_case["payload"]["summary"]["id"] = "x\x00y"
    raw(settings, topics.coaching, [("k", good.encode()), ("k", b"{not json"), ("k", json.dumps(refused_case).encode()),
                                    ("k", other.encode())])

    eventually(lambda: lag(settings) == 0, timeout=90, message="the aggregator worker did not get past the records")

    def cases_stored():
        return {c.case_id for c in FollowUpCase.objects(case_id__in=["c-1", "c-2", "c-3"])} == {"c-1", "c-2"}

    eventually(cases_stored, timeout=90, message="the notifier worker did not store the cases around the bad one")
    dead = eventually(lambda: len(d := read_topic(settings, topics.deadletter)) >= 6 and d, timeout=60,
                      message="not every bad record reached the dead-letter topic")
    by_consumer: dict[str, list[str]] = {}
    for record in dead:
        headers = dict(record.headers)
        by_consumer.setdefault(headers["consumer"].decode(), []).append(headers["reason"].decode())
    aggregator_reasons = sorted(by_consumer.pop(f"{settings.kafka_topic_prefix.rstrip('.')}-aggregator"))
    notifier_reasons = sorted(next(iter(by_consumer.values())))
    assert len(aggregator_reasons) == 4 and len(notifier_reasons) == 2
    assert "not JSON" in aggregator_reasons and "not a JSON object" in aggregator_reasons
    assert any(r.startswith("OperationFailure") or r.startswith("WriteError") or r.startswith("BulkWriteError")
               for r in aggregator_reasons), aggregator_reasons
    assert any("no indicator state" in r for r in aggregator_reasons), aggregator_reasons
    assert "not JSON" in notifier_reasons and any(r != "not JSON" for r in notifier_reasons)
    assert not any("a\x00b" in r or "x\x00y" in r for r in aggregator_reasons + notifier_reasons)
    # the records around the bad ones, counted exactly once; no process ever stopped
    (unit,) = reports.units("2026-11", "DISDUK")
    assert unit["respondents"] == 3
    assert worker.popen.poll() is None and notifier.popen.poll() is None
    assert "Traceback" not in worker.log.read_text() and "Traceback" not in notifier.log.read_text()
