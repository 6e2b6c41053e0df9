"""Done when: redelivering the same 20 case events sends 20 notifications, not 40. Real
Kafka, the notifier worker process, a real SMTP server and a real webhook receiver."""
from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from tests.notifier.conftest import case_event
from tests.notifier.test_races import publish
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def committed(settings) -> int:
    from services.notifier.worker import group_id
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), client_id="test-offsets")
    try:
        offsets = admin.list_group_offsets(group_id(settings)).get(group_id(settings), {})
        return sum(meta.offset for meta in offsets.values() if meta.offset > 0)
    finally:
        admin.close()


def test_the_same_twenty_case_events_twice_send_twenty_notifications(nsettings, processes, org, smtp, hooks):
    from services.notifier.models import Delivery
    events = [case_event(org.staff[i]) for i in range(20)]
    publish(nsettings, events)
    publish(nsettings, events)                                          # the aggregator's at-least-once
    processes(nsettings).notifier_worker()

    eventually(lambda: committed(nsettings) == 40, timeout=120,
               message="the worker did not get through all 40 events")
    eventually(lambda: smtp.sink.count() >= 20 and len(hooks.accepted()) >= 20, timeout=60,
               message="not every notification arrived")
    assert smtp.sink.count() == 20
    assert sorted(m.recipients[0] for m in smtp.sink.messages) == [org.email(org.sup)] * 20
    assert {m.message["X-Tanggap-Delivery"] for m in smtp.sink.messages} == {
        f"{e.payload['case_id']}|opened|email|{org.sup}" for e in events}
    assert len(hooks.all()) == 20 and all(h.signature_ok for h in hooks.all())
    assert len({h.json["case_id"] for h in hooks.all()}) == 20
    assert Delivery.objects(channel="inbox").count() == 20
