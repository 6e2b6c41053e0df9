"""Recognition (apresiasi) through the real worker, database and Kafka: the officer in the top
of the unit is recognised once per period, the supervisor is told in the inbox, the employee
reads it on their own record, and it never counts as a coaching case."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.contracts.events import decode
from shared.messaging.topics import Topics
from shared.platform.clock import ManualClock
from shared.records.directory import Employee, Unit

from services.aggregator.coaching.cases import CaseOpening
from services.aggregator.pipeline.worker import IndicatorWorker
from tests.notifier.conftest import batch_of, page_client
from tests.support.aggregator import nip, skm_event
from tests.support.kafka_read import read_topic

pytestmark = pytest.mark.integration
SUPERVISOR = "198001012005011001"


def test_recognition_for_the_top_officer_fires_once_and_reaches_the_supervisor(fresh_settings):
    from shared.platform.auth import issue_token

    from services.aggregator.app import create_app
    from services.notifier.appreciations import Appreciation
    from services.notifier.deliveries import Sender
    from services.notifier.models import Delivery, FollowUpCase
    from services.notifier.worker import NotifierWorker

    clock = ManualClock(datetime(2026, 11, 23, 3, tzinfo=UTC))
    Unit.save_revision("PUSK", {"name": "Puskesmas"}, at=clock.now(), by="t")
    Employee.save_revision(SUPERVISOR, {"name": "Kepala", "unit": "PUSK"}, at=clock.now(), by="t")
    for n, name in ((1, "Ani"), (2, "Budi"), (3, "Citra")):
        Employee.save_revision(nip(n), {"name": name, "unit": "PUSK", "supervisor_nip": SUPERVISOR},
                               at=clock.now(), by="t")
    events = [skm_event("PUSK", score, officer=nip(n)) for n, score in ((1, 4), (2, 3), (3, 2)) for _ in range(30)]
    worker = IndicatorWorker(fresh_settings, clock=clock)
    worker.handle(batch_of(*events, topic="responses"))
    worker.handle(batch_of(*events[:5], topic="responses", partition=1))     # touched again: still once
    [recognised] = CaseOpening.objects(kind="officer_top")
    assert recognised.subject == nip(1) and recognised.evidence["values"]["rank"] == 1

    published = [decode(r.value) for r in read_topic(fresh_settings, Topics.from_settings(fresh_settings).coaching)]
    granted = [e for e in published if e.type == "recognition.granted"]
    assert [e.payload["subject"] for e in granted] == [nip(1)]
    sender = Sender(fresh_settings)
    try:
        NotifierWorker(fresh_settings, clock=clock, sender=sender).handle(batch_of(*granted, topic="coaching"))
    finally:
        sender.close()
    [told] = Appreciation.objects
    assert told.recipient_nip == SUPERVISOR and FollowUpCase.objects.count() == 0      # good news, not a case
    assert Delivery.objects(case_id=told.case_id, channel="inbox", recipient=SUPERVISOR).count() == 1

    inbox = page_client(fresh_settings, clock, "kepala.pusk", ["supervisor"], nip=SUPERVISOR).get("/inbox").text
    assert 'id="apresiasi"' in inbox and "Ani" in inbox
    own = page_client(fresh_settings, clock, "ani.pusk", ["employee"], nip=nip(1)).get("/me/pembinaan").text
    assert f'data-appreciation="{told.case_id}"' in own
    other = page_client(fresh_settings, clock, "budi.pusk", ["employee"], nip=nip(2)).get("/me/pembinaan").text
    assert "data-appreciation" not in other

    api = create_app(fresh_settings, clock).test_client()
    auth = {"Authorization": "Bearer " + issue_token(fresh_settings, sub="ev", roles=["evaluator"])}
    assert [c["subject"] for c in api.get("/api/v1/recognitions?period=2026-11", headers=auth).json] == [nip(1)]
    assert all(c["rule"] != "officer-top" for c in api.get("/api/v1/cases", headers=auth).json)
    assert api.get("/api/v1/cases/effect?period=2026-11", headers=auth).json["total"]["cases"] == len(
        api.get("/api/v1/cases?period=2026-11", headers=auth).json)
