"""Races at the intake, against real gunicorn (several workers and threads), database and Kafka."""
from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import requests

from shared.messaging.topics import Topics
from shared.platform.clock import SystemClock
from shared.records.directory import Unit
from shared.records.responses import Response

from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.race

ANSWERS = {f"U{i}": 1 + i % 4 for i in range(1, 10)}


def test_race_same_idempotency_key_from_32_clients(fresh_settings, processes):
    settings = replace(fresh_settings, rate_limit_client=0)
    Unit.save_revision("RACE", {"name": "Race"}, at=SystemClock().now(), by="t")
    services = processes(settings)
    survey = services.web("survey", workers=2, threads=8)
    services.relay()
    body = {"id": str(uuid.uuid4()), "unit": "RACE", "answers": ANSWERS}
    barrier = threading.Barrier(32)

    def submit(_):
        session = requests.Session()
        barrier.wait()
        r = session.post(f"{survey.url}/api/v1/responses", json=body, timeout=30)
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(submit, range(32)))
    assert {status for status, _ in answers} == {201}
    assert all(reply == answers[0][1] for _, reply in answers)  # every caller gets the same answer
    assert Response.objects(id=body["id"]).count() == 1
    eventually(lambda: Response.objects(id=body["id"], published=True).count() == 1, timeout=60)
    events = read_topic(settings, Topics.from_settings(settings).responses)
    assert [json.loads(e.value)["payload"]["response_id"] for e in events] == [body["id"]]
