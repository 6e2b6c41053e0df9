"""One anonymous request, or one forged event, never stops the indicators: the issue's
hostile requests through the whole path (web form -> relay -> Kafka -> worker -> public
result), each followed by a normal response to another unit that must be counted while the
outbox drains. Real gunicorn, relay, aggregator worker, Kafka and database."""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote_from_bytes

import pytest
import requests

from shared.contracts import payloads
from shared.contracts.events import new_event
from shared.domain.periods import month_of
from shared.messaging.topics import Topics
from shared.platform.auth import issue_token
from shared.platform.clock import SystemClock
from shared.records.directory import Unit

from tests.support.aggregator import publish, skm_event
from tests.support.env import isolated_settings
from tests.support.kafka_read import read_topic
from tests.support.processes import Services
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
ANSWERS = {f"U{i}": 3 for i in range(1, 10)}
BOUNDARY = "pipelineBoundary9"


class Stack:
    def __init__(self, settings, services: Services):
        self.settings = settings
        self.survey = services.web("survey", workers=1, threads=4)
        self.aggregator = services.web("aggregator", workers=1, threads=2)
        services.relay()
        self.worker = services.aggregator_worker()
        self.admin = {"Authorization": "Bearer " + issue_token(settings, sub="admin", roles=["admin"])}
        self.counted = 0   # responses of BYSTANDER the indicators must show
        self.stored = 0    # ... of which the survey stored (the rest were published straight to Kafka)
        created = requests.post(f"{self.survey.url}/api/v1/deployments", json={"template": "skm", "unit": "TARGET"},
                                headers=self.admin, timeout=10)
        assert created.status_code == 201, created.text
        self.code = created.json()["code"]

    def form(self, fields: list[tuple[str, bytes]], kind: str = "urlencoded"):
        if kind == "urlencoded":
            body = b"&".join(f"{n}=".encode() + quote_from_bytes(v).encode() for n, v in fields)
            ctype = "application/x-www-form-urlencoded"
        else:
            body = b"".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n'.encode() + v + b"\r\n"
                            for n, v in fields) + f"--{BOUNDARY}--\r\n".encode()
            ctype = f"multipart/form-data; boundary={BOUNDARY}"
        return requests.post(f"{self.survey.url}/s/{self.code}", data=body, headers={"Content-Type": ctype},
                             timeout=20)

    def a_normal_response_is_still_counted(self) -> None:
        """A response to another unit reaches the public result, and nothing is left unpublished."""
        r = requests.post(f"{self.survey.url}/api/v1/responses", json={"unit": "BYSTANDER", "answers": ANSWERS},
                          timeout=10)
        assert r.status_code == 201, r.text
        self.counted += 1
        self.stored += 1
        period = r.json()["period"]

        def counted():
            body = requests.get(f"{self.aggregator.url}/api/v1/public/units/BYSTANDER", params={"period": period},
                                timeout=5).json()
            return body.get("respondents") == self.counted

        eventually(counted, timeout=60, message=f"response {self.counted} to another unit never counted")
        backlog = eventually(lambda: (b := requests.get(f"{self.survey.url}/api/v1/admin/outbox", headers=self.admin,
                                                        timeout=5).json())["pending"] == 0 and b,
                             timeout=30, message="the outbox did not drain")
        assert backlog["published"] == self.stored
        assert self.worker.popen.poll() is None, self.worker.tail()


@pytest.fixture(scope="module")
def stack(base_settings, tmp_path_factory):
    from shared.messaging.topics import ensure_topics
    from shared.platform import db

    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    for code in ("TARGET", "BYSTANDER"):
        Unit.save_revision(code, {"name": f"Unit {code}"}, at=SystemClock().now(), by="test")
    services = Services(settings, tmp_path_factory.mktemp("hostile-pipeline"))
    try:
        yield Stack(settings, services)
    finally:
        services.stop_all()
        import pymongo
        with pymongo.MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=5000) as client:
            client.drop_database(settings.mongodb_db)


@pytest.fixture(autouse=True)
def _stack_database(stack):
    from shared.platform import db
    db.connect(stack.settings)


def test_a_dotted_profile_value_on_the_web_form(stack):
    r = stack.form([("a.U1", b"4"), ("p.sex", b"a.b")])
    assert r.status_code == 422 and 'href="#p-sex"' in r.text
    stack.a_normal_response_is_still_counted()


def test_a_profile_value_of_400000_control_characters(stack):
    fields = [("a.U1", b"4"), ("p.sex", b"\x01" * 400_000)]
    assert stack.form(fields, "urlencoded").status_code == 413
    assert stack.form(fields, "multipart").status_code == 422
    stack.a_normal_response_is_still_counted()


def test_a_unicode_digit_a_nul_in_multipart_and_json_nested_50000_deep(stack):
    assert stack.form([("a.U1", "²".encode())]).status_code == 422
    assert stack.form([("a.U1", b"4"), ("comment", b"a\x00b")], "multipart").status_code == 422
    deep = '{"unit": "TARGET", "answers": %s}' % ("[" * 50_000 + "]" * 50_000)
    r = requests.post(f"{stack.survey.url}/api/v1/responses", data=deep, headers={"Content-Type": "application/json"},
                      timeout=20)
    assert r.status_code == 400 and r.json()["code"] == "too_deep"
    stack.a_normal_response_is_still_counted()


def test_forged_events_go_to_the_dead_letter_topic_and_the_events_around_them_count_once(stack):
    settings = stack.settings
    dotted = skm_event("BYSTANDER", 2).to_json()
    dotted["payload"]["profile"] = {"sex": "a.b"}
    custom = new_event(payloads.SURVEY_RESPONSE, "BYSTANDER", {
        "response_id": str(uuid.uuid4()), "template": "kepuasan", "template_version": 1, "unit": "BYSTANDER",
        "period": "2026-11", "submitted_at": "2026-11-10T03:00:00+00:00", "answers": {"Q1": "ok"},
        "channel": "web"}, producer="test").to_json()
    custom["payload"]["answers"] = {"Q1": "a.b", "Q2": 3.5}
    forged = [("BYSTANDER", json.dumps(dotted).encode()), ("BYSTANDER", json.dumps(custom).encode()),
              ("BYSTANDER", b'{"payload": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")]
    period = month_of(SystemClock().now(), settings.timezone)  # the month the survey counts responses in now
    before = stack.counted
    publish(settings, [skm_event("BYSTANDER", 4, period=period)], raw=forged)
    publish(settings, [skm_event("BYSTANDER", 4, period=period)])
    stack.counted += 2

    def counted():
        body = requests.get(f"{stack.aggregator.url}/api/v1/public/units/BYSTANDER", params={"period": period},
                            timeout=5).json()
        return body.get("respondents") == before + 2

    eventually(counted, timeout=60, message="the events around the forged ones were not counted")
    dead = eventually(lambda: len(d := read_topic(settings, Topics.from_settings(settings).deadletter)) >= 3 and d,
                      timeout=30, message="the forged events never reached the dead-letter topic")
    assert len(dead) == 3
    reasons = sorted(dict(r.headers)["reason"].decode() for r in dead)
    assert reasons == ["bad payload for skm.response.submitted: fields ['profile']",
                       "bad payload for survey.response.submitted: fields ['answers']", "nested too deeply"]
    assert not any("a.b" in r for r in reasons)  # the reason names the schema's fields, never the sender's text
    stack.a_normal_response_is_still_counted()
