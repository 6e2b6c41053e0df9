"""The outbox relay: every stored response reaches Kafka once, even after crashes and outages."""
from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from shared.contracts.events import from_json
from shared.messaging.clients import make_producer, send_event
from shared.messaging.topics import Topics
from shared.platform.clock import SystemClock
from shared.records.directory import Unit
from shared.records.responses import OutboxRecord, Response

from services.survey.app import create_app
from services.survey.outbox.relay import Relay
from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually
from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration


def submit_many(settings, n, unit="RELAY-UNIT"):
    Unit.save_revision(unit, {"name": "Relay"}, at=SystemClock().now(), by="t")
    client = create_app(replace(settings, rate_limit_client=0), SystemClock()).test_client()
    ids = []
    for i in range(n):
        r = client.post("/api/v1/responses", json={"unit": unit, "answers": {**SKM_ANSWERS, "U9": 1 + i % 4}})
        assert r.status_code == 201
        ids.append(r.json["id"])
    return ids


def published_ids(settings) -> list[str]:
    return [json.loads(r.value)["payload"]["response_id"]
            for r in read_topic(settings, Topics.from_settings(settings).responses)]


def test_events_sent_before_a_crash_are_not_sent_again(fresh_settings):
    settings = fresh_settings
    ids = submit_many(settings, 5)
    # A relay that crashed after sending three events but before recording them:
    producer = make_producer(settings, client_id="crashed-relay")
    for doc in Response.objects(id__in=ids[:3]):
        send_event(producer, doc.outbox.topic, from_json(doc.outbox.event))
    producer.flush()
    producer.close()

    relay = Relay(settings)
    assert relay.run_once() == 2          # reconciles the three, sends the other two
    assert relay.run_once() == 0
    assert sorted(published_ids(settings)) == sorted(ids)
    assert Response.objects(published=False).count() == 0
    assert sorted(r.id for r in OutboxRecord.objects(id__in=ids)) == sorted(ids)  # where each one went


def test_a_second_relay_stands_by_and_nothing_is_published_twice(fresh_settings):
    settings = fresh_settings
    ids = submit_many(settings, 120)
    stop = threading.Event()
    relays = [Relay(settings, batch_size=20), Relay(settings, batch_size=20)]
    threads = [threading.Thread(target=r.run, args=(stop,), daemon=True) for r in relays]
    for t in threads:
        t.start()
    try:
        eventually(lambda: Response.objects(published=False).count() == 0, timeout=60,
                   message="relays did not publish everything")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert sorted(published_ids(settings)) == sorted(ids)
    assert sorted(r.published_total for r in relays) == [0, 120]  # one active, one standby


def test_outbox_backlog_is_visible_to_admins(survey, tokens, fresh_settings):
    client = create_app(fresh_settings, SystemClock()).test_client()
    submit_many(fresh_settings, 3, unit="BACKLOG-UNIT")
    from shared.platform.auth import issue_token
    admin = {"Authorization": "Bearer " + issue_token(fresh_settings, sub="a", roles=["admin"])}
    backlog = client.get("/api/v1/admin/outbox", headers=admin).json
    assert backlog["pending"] == 3 and backlog["oldest_pending_at"]
    Relay(fresh_settings).run_once()
    assert client.get("/api/v1/admin/outbox", headers=admin).json == {"pending": 0, "oldest_pending_at": None,
                                                                     "published": 3, "held": []}
