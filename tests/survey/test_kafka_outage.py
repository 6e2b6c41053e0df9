"""A Kafka outage neither loses nor blocks a submission: real gunicorn, real relay, and a
private Kafka broker that this test stops and starts again."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
import requests

from shared.messaging.topics import Topics, ensure_topics
from shared.platform.clock import SystemClock
from shared.records.directory import Unit
from shared.records.responses import Response

from tests.support.kafka_read import read_topic
from tests.support.processes import free_port
from tests.support.waiting import eventually
from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration


@pytest.fixture
def private_broker(tmp_path):
    from infra.kafka import Broker
    port = free_port()
    controller = free_port()
    broker = Broker(name=f"kafka-outage-{port}", port=port, controller_port=controller, home=tmp_path / "kafka",
                    heap="384m")
    broker.start()
    yield broker
    broker.stop()


def test_kafka_down_during_a_hundred_submissions(fresh_settings, private_broker, processes):
    settings = replace(fresh_settings, kafka_bootstrap_servers=private_broker.bootstrap, rate_limit_client=0)
    ensure_topics(settings)
    Unit.save_revision("OUTAGE", {"name": "Unit"}, at=SystemClock().now(), by="t")
    services = processes(settings)
    survey = services.web("survey")
    services.relay()

    def submit(n):
        ids = []
        for i in range(n):
            r = requests.post(f"{survey.url}/api/v1/responses",
                              json={"unit": "OUTAGE", "answers": {**SKM_ANSWERS, "U1": 1 + i % 4}}, timeout=10)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        return ids

    before = submit(5)
    eventually(lambda: Response.objects(published=False).count() == 0, timeout=60,
               message="relay did not publish while Kafka was up")

    private_broker.stop()
    during = submit(100)                  # every submission accepted while Kafka is down
    ready = requests.get(f"{survey.url}/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["checks"]["kafka"] == "unreachable"
    assert Response.objects(published=False).count() == 100

    private_broker.start()
    eventually(lambda: Response.objects(published=False).count() == 0, timeout=120, interval=0.5,
               message="relay did not catch up after Kafka came back")
    published = [json.loads(r.value)["payload"]["response_id"]
                 for r in read_topic(settings, Topics.from_settings(settings).responses)]
    assert len(published) == 105                      # none twice
    assert sorted(published) == sorted(before + during)  # none lost
