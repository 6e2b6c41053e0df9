"""The thin path through everything: survey API -> database + outbox -> relay -> Kafka ->
aggregator worker -> indicator state -> aggregator API. Real gunicorn, Kafka and database."""
from __future__ import annotations

import json

import pytest
import requests

from shared.messaging.topics import Topics

from tests.support.kafka_read import read_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

ANSWERS = {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 3, "U9": 3}


def make_unit(settings, code):
    from shared.platform.clock import SystemClock
    from shared.records.directory import Unit
    Unit.save_revision(code, {"name": f"Unit {code}"}, at=SystemClock().now(), by="test")


def test_response_reaches_the_unit_indicator(fresh_settings, processes):
    settings = fresh_settings
    make_unit(settings, "DISDUK")
    services = processes(settings)
    survey = services.web("survey")
    aggregator = services.web("aggregator")
    services.relay()
    services.aggregator_worker()

    first = requests.post(f"{survey.url}/api/v1/responses", json={"unit": "DISDUK", "answers": ANSWERS}, timeout=10)
    assert first.status_code == 201, first.text
    second = requests.post(f"{survey.url}/api/v1/responses",
                           json={"unit": "DISDUK", "answers": dict.fromkeys(ANSWERS, 2)}, timeout=10)
    assert second.status_code == 201
    period = first.json()["period"]

    def indicator():
        body = requests.get(f"{aggregator.url}/api/v1/public/units/DISDUK", params={"period": period}, timeout=5).json()
        return body if body.get("respondents") == 2 else None

    body = eventually(indicator, timeout=60, message="aggregator never counted both responses")
    assert body["nrr"]["U1"] == 3.0 and body["nrr"]["U2"] == 2.5
    assert body["skm"] == round((31 + 18) / 18, 4)          # mean of the nine NRR
    assert body["ikm"] == round((31 + 18) / 18 * 25, 2)

    published = read_topic(settings, Topics.from_settings(settings).responses)
    assert len(published) == 2
    event = json.loads(published[0].value)
    assert event["type"] == "skm.response.submitted" and event["schema_version"] == 1
    assert published[0].key == b"DISDUK"  # keyed by unit: order holds per unit
    # No personal data on the wire: no client address, only its keyed hash.
    assert "127.0.0.1" not in published[0].value.decode()
