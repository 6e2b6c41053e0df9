"""An event Kafka refuses for good is held while the rest flow; an admin releases it once the
cause is fixed, and it is published once. Real broker (a topic that takes only small records),
real database, the relay in-process."""
from __future__ import annotations

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from shared.messaging.topics import Topics
from shared.records.responses import Response

from services.survey.outbox.relay import Relay
from tests.support.aggregator import response_doc, skm_event
from tests.support.kafka_read import event_bodies, read_topic

pytestmark = pytest.mark.integration


def topic_takes_at_most(settings, topic: str, max_bytes: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), client_id="test-admin")
    try:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                            configs={"max.message.bytes": str(max_bytes)})])
    finally:
        admin.close()


def admin_client(settings, clock):
    """The survey API on this test's own database, and an admin's headers."""
    from shared.platform.auth import issue_token

    from services.survey.app import create_app
    return (create_app(settings, clock).test_client(),
            {"Authorization": f"Bearer {issue_token(settings, sub='admin', roles=['admin'])}"})


def drain(relay: Relay, rounds: int = 20) -> None:
    for _ in range(rounds):   # bounded: each round publishes a batch or finds nothing to do
        if relay.run_once() == 0 and not relay.pending(1):
            return


def test_a_refused_event_is_held_while_a_hundred_flow_and_released_once_fixed(fresh_settings, clock):
    settings = fresh_settings
    topic = Topics.from_settings(settings).responses
    topic_takes_at_most(settings, topic, 20_000)
    big = response_doc(settings, skm_event("DISDUK", 3))
    big.outbox.event["payload"]["client_hash"] = "x" * 30_000   # a record the topic will not take
    big.save(force_insert=True, validate=False)
    normal = [response_doc(settings, skm_event("DISDUK", 4)) for _ in range(100)]
    Response._get_collection().insert_many([d.to_mongo().to_dict() for d in normal])

    relay = Relay(settings, batch_size=50)
    drain(relay)
    published = read_topic(settings, topic)
    assert len(published) == 100 and big.id not in {e["payload"]["response_id"] for e in event_bodies(published)}
    client, admin = admin_client(settings, clock)
    backlog = client.get("/api/v1/admin/outbox", headers=admin).json
    assert backlog["pending"] == 0 and backlog["published"] == 100
    (held,) = backlog["held"]
    assert held["id"] == big.id and held["reason"].startswith("MessageSizeTooLarge") and not held["discarded"]

    topic_takes_at_most(settings, topic, 1_048_588)   # the cause, fixed
    assert client.post(f"/api/v1/admin/outbox/held/{big.id}/release", headers=admin).status_code == 201
    assert client.post("/api/v1/admin/outbox/held/nope/release", headers=admin).status_code == 404
    drain(relay)
    ids = [e["payload"]["response_id"] for e in event_bodies(read_topic(settings, topic))]
    assert ids.count(big.id) == 1 and len(ids) == 101
    after = client.get("/api/v1/admin/outbox", headers=admin).json
    assert after["held"] == [] and after["published"] == 101
    # the decision is spent: releasing again is refused (the event is no longer held)
    assert client.post(f"/api/v1/admin/outbox/held/{big.id}/release", headers=admin).status_code == 404


def test_a_discarded_event_is_never_sent(fresh_settings, clock):
    settings = fresh_settings
    topic = Topics.from_settings(settings).responses
    topic_takes_at_most(settings, topic, 20_000)
    big = response_doc(settings, skm_event("DISDUK", 3))
    big.outbox.event["payload"]["client_hash"] = "y" * 30_000
    big.save(force_insert=True, validate=False)
    relay = Relay(settings)
    drain(relay)
    client, admin = admin_client(settings, clock)
    assert client.post(f"/api/v1/admin/outbox/held/{big.id}/discard", headers=admin).status_code == 201
    topic_takes_at_most(settings, topic, 1_048_588)
    drain(relay)
    assert read_topic(settings, topic) == []
    (held,) = client.get("/api/v1/admin/outbox", headers=admin).json["held"]
    assert held["discarded"] is True
