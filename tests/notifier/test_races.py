"""Claims under contention, against real gunicorn workers, the real database and real Kafka:
cases arrive through the coaching topic and the notifier worker process; supervisors act
through the HTTP API served by several gunicorn workers."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from shared.messaging.clients import make_producer, send_event
from shared.messaging.topics import Topics

from tests.notifier.conftest import case_event
from tests.support.waiting import eventually

pytestmark = pytest.mark.race


def publish(settings, events) -> None:
    producer = make_producer(settings, client_id="test-aggregator")
    try:
        for event in events:
            send_event(producer, Topics.from_settings(settings).coaching, event)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=5)


def cases_arrive(settings, processes, events):
    """Publish ``events``, run the notifier worker, wait until every case is stored."""
    from services.notifier.models import FollowUpCase
    services = processes(settings)
    publish(settings, events)
    services.notifier_worker()
    ids = {e.payload["case_id"] for e in events}
    eventually(lambda: FollowUpCase.objects(case_id__in=list(ids)).count() == len(ids), timeout=90,
               message="the worker did not store every case")
    return services


@pytest.fixture
def token(nsettings):
    from shared.platform.auth import issue_token

    def make(nip):
        return {"Authorization": "Bearer " + issue_token(nsettings, sub=nip, roles=["supervisor"], nip=nip)}

    return make


def test_concurrent_acknowledgements_record_one(nsettings, processes, org, token):
    from services.notifier.models import CaseHistoryEntry
    events = [case_event(org.staff[i]) for i in range(3)]
    services = cases_arrive(nsettings, processes, events)
    api = services.web("notifier", workers=4, threads=4)
    headers = token(org.sup)

    for event in events:
        case_id = event.payload["case_id"]
        start = threading.Barrier(16)

        def acknowledge(_, start=start, case_id=case_id):
            start.wait(timeout=30)
            return requests.post(f"{api.url}/api/v1/inbox/cases/{case_id}/acknowledge", json={"level": 0},
                                 headers=headers, timeout=60)

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(acknowledge, range(16)))
        codes = sorted(a.status_code for a in answers)
        assert set(codes) <= {200, 201, 409}, codes
        assert codes.count(201) == 1, codes
        entries = list(CaseHistoryEntry.objects(case_id=case_id))
        assert [e.kind for e in entries] == ["acknowledged"]           # one acknowledgement, one history entry
        winner = next(a for a in answers if a.status_code == 201).json()["entry"]
        for a in answers:
            if a.status_code == 200:                                   # the same result as the winner
                assert a.json()["entry"]["seq"] == winner["seq"] and a.json()["replayed"] is True
            elif a.status_code == 409:
                assert a.json()["code"] in ("already_acknowledged", "conflict")


def test_escalation_and_acknowledgement_race_at_the_deadline(nsettings, processes, org, token, clock, sender):
    from services.notifier import history, scheduler
    from services.notifier.models import CaseHistoryEntry, FollowUpCase
    events = [case_event(org.staff[i]) for i in range(3, 9)]
    services = cases_arrive(nsettings, processes, events)
    api = services.web("notifier", workers=4, threads=4)
    cases = list(FollowUpCase.objects(case_id__in=[e.payload["case_id"] for e in events]))
    deadline = max(c.received_at for c in cases) + timedelta(days=nsettings.escalate_after_days)
    clock.set(deadline)                                                 # every case is due right now
    headers = token(org.sup)
    start = threading.Barrier(len(cases) + 2)
    answers = {}

    def acknowledge(case):
        start.wait(timeout=30)
        answers[case.case_id] = requests.post(f"{api.url}/api/v1/inbox/cases/{case.case_id}/acknowledge",
                                              json={"level": 0}, headers=headers, timeout=60)

    def escalate():
        start.wait(timeout=30)
        return scheduler.tick(nsettings, clock.now(), sender)

    with ThreadPoolExecutor(len(cases) + 2) as pool:
        futures = [pool.submit(acknowledge, c) for c in cases] + [pool.submit(escalate), pool.submit(escalate)]
        for f in futures:
            f.result(timeout=120)

    outcomes = set()
    for case in cases:
        kinds = [e.kind for e in CaseHistoryEntry.objects(case_id=case.case_id).order_by("seq")]
        assert kinds in (["acknowledged"], ["escalated"]), kinds       # exactly one wins
        answer = answers[case.case_id]
        state = history.load(case)
        if kinds == ["acknowledged"]:
            assert answer.status_code == 201 and state.level == 0 and state.status == "acknowledged"
        else:
            assert answer.status_code == 409 and answer.json()["code"] == "escalated"
            assert state.level == 1 and state.assignee_nip == org.boss and state.status == "open"
        outcomes.add(kinds[0])
    # both kinds of winner are legitimate; whichever won, the history says so and nothing else
    assert outcomes <= {"acknowledged", "escalated"}
