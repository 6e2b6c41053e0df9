"""The scheduler on a manual clock: webhook retries with backoff and dead-lettering,
escalation of unacknowledged cases, follow-up reminders. No sleeping."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from shared.messaging.topics import Topics
from shared.platform.auth import Principal

from tests.notifier.conftest import ADMIN_EMAIL, WEBHOOK_SECRET, batch_of, case_event
from tests.support.kafka_read import read_topic

pytestmark = pytest.mark.integration


def tick(nsettings, clock, sender):
    from services.notifier import scheduler
    return scheduler.tick(nsettings, clock.now(), sender)


def delivery(**filters):
    from services.notifier.models import Delivery
    return Delivery.objects.get(**filters)


def supervisor(nip):
    return Principal(sub=nip, roles=("supervisor",), nip=nip)


def test_a_failing_webhook_is_retried_with_growing_delays_until_it_succeeds(worker, org, hooks, clock, nsettings,
                                                                            sender):
    hooks.fail_next(2)
    worker.process(batch_of(case_event(org.staff[0], clock=clock)))
    hook = delivery(channel="webhook")
    assert hook.status == "retrying" and hook.attempts == 1 and hook.last_error == "HTTP 500"
    first_delay = hook.next_at - clock.now()
    assert timedelta(seconds=30) <= first_delay <= timedelta(seconds=60)   # base 60 s, equal jitter

    clock.set(hook.next_at - timedelta(seconds=1))
    tick(nsettings, clock, sender)
    assert len(hooks.all()) == 1                                           # not due yet
    clock.set(hook.next_at)
    tick(nsettings, clock, sender)
    hook = delivery(channel="webhook")
    assert hook.status == "retrying" and hook.attempts == 2
    assert timedelta(seconds=60) <= hook.next_at - clock.now() <= timedelta(seconds=120)  # doubled

    clock.set(hook.next_at)
    tick(nsettings, clock, sender)
    hook = delivery(channel="webhook")
    assert hook.status == "sent" and hook.attempts == 3
    bodies = {h.body for h in hooks.all()}
    assert len(bodies) == 1 and all(h.signature_ok for h in hooks.all())  # the same signed bytes each time
    assert [h.answered for h in hooks.all()] == [500, 500, 204]


def test_a_webhook_that_never_succeeds_is_dead_lettered_after_the_last_attempt(worker, org, hooks, clock, nsettings,
                                                                               sender):
    hooks.fail_next(100)
    event = case_event(org.staff[1], clock=clock)
    worker.process(batch_of(event))
    for _ in range(5):
        clock.advance(hours=2)
        tick(nsettings, clock, sender)
    assert len(hooks.all()) == 3                                           # NOTIFIER_MAX_ATTEMPTS=3
    hook = delivery(channel="webhook")
    assert hook.status == "dead" and hook.next_at is None
    [dead] = read_topic(nsettings, Topics.from_settings(nsettings).notifications_dlq)
    body = json.loads(dead.value)
    assert body["delivery_id"] == hook.key and body["attempts"] == 3 and body["last_error"] == "HTTP 500"
    assert body["body"]["case_id"] == event.payload["case_id"]
    assert WEBHOOK_SECRET.encode() not in dead.value                      # the secret never leaves

    from services.notifier import deliveries
    stats = deliveries.stats()
    assert stats["webhook"]["failed"] == 3 and stats["webhook"]["retried"] == 2 and stats["webhook"]["dead"] == 1
    assert stats["email"]["sent"] == 1 and stats["inbox"]["sent"] == 1


def test_a_webhook_to_a_supervisors_own_url_is_signed_with_their_secret(worker, org, clock, nsettings, sender):
    from services.notifier.models import NotificationPreferences
    from tests.support.webhook_receiver import WebhookReceiver
    with WebhookReceiver("own-secret-of-the-supervisor") as own:
        NotificationPreferences.save_revision(org.sup, {"webhook_url": own.url,
                                                        "webhook_secret": "own-secret-of-the-supervisor"},
                                              at=clock.now(), by="test")
        worker.process(batch_of(case_event(org.staff[2], clock=clock)))
        [hook] = own.all()
        assert hook.signature_ok and hook.json["recipient"] == org.sup


def test_an_unacknowledged_case_escalates_level_by_level(worker, org, smtp, clock, nsettings, sender):
    event = case_event(org.staff[3], clock=clock)
    worker.process(batch_of(event))
    clock.advance(days=3, seconds=-1)
    assert tick(nsettings, clock, sender)["escalated"] == 0
    clock.advance(seconds=1)
    assert tick(nsettings, clock, sender)["escalated"] == 1
    assert tick(nsettings, clock, sender)["escalated"] == 0                # once per level

    [mail] = smtp.sink.to(org.email(org.boss))
    assert mail.subject.startswith("[Tanggap] Eskalasi") and "belum diakui" in mail.part("plain")

    from services.notifier import history
    from services.notifier.models import FollowUpCase
    case = FollowUpCase.objects.get(pk=event.payload["case_id"])
    state = history.load(case)
    assert (state.level, state.assignee_nip) == (1, org.boss)
    assert state.escalations[0]["from_nip"] == org.sup and "supervisor" in state.escalations[0]["reason"]

    clock.advance(days=3)
    tick(nsettings, clock, sender)                                          # boss -> head
    clock.advance(days=3)
    tick(nsettings, clock, sender)                                          # head -> admin
    clock.advance(days=30)
    tick(nsettings, clock, sender)                                          # nobody above the admin
    state = history.load(case)
    assert [(e["to_kind"], e.get("from_nip")) for e in state.escalations] == [
        ("supervisor", org.sup), ("supervisor", org.boss), ("admin", org.head)]
    assert len(smtp.sink.to(org.email(org.head))) == 1 and len(smtp.sink.to(ADMIN_EMAIL)) == 1


def test_an_acknowledged_case_does_not_escalate(worker, org, smtp, clock, nsettings, sender):
    from services.notifier import inbox
    event = case_event(org.staff[4], clock=clock)
    worker.process(batch_of(event))
    clock.advance(days=2)
    inbox.acknowledge(event.payload["case_id"], supervisor(org.sup), clock.now())
    clock.advance(days=10)
    assert tick(nsettings, clock, sender)["escalated"] == 0
    assert smtp.sink.to(org.email(org.boss)) == []


def test_a_passed_follow_up_date_sends_one_reminder(worker, org, smtp, clock, nsettings, sender):
    from services.notifier import inbox
    event = case_event(org.staff[5], clock=clock)
    worker.process(batch_of(event))
    who = supervisor(org.sup)
    case_id = event.payload["case_id"]
    inbox.acknowledge(case_id, who, clock.now())
    inbox.add_dialogue(case_id, who, clock.now(), {"date": date(2026, 11, 23), "notes": "Dialog pertama",
                                                   "agreed_actions": ["Pelatihan layanan"],
                                                   "follow_up": date(2026, 11, 30)})
    clock.set(clock.now().replace(day=30, hour=16))                         # 23:00 on the 30th in Jakarta
    assert tick(nsettings, clock, sender)["reminded"] == 0
    clock.advance(hours=1)                                                  # 1 December in Jakarta
    assert tick(nsettings, clock, sender)["reminded"] == 1
    assert tick(nsettings, clock, sender)["reminded"] == 0
    reminders = [m for m in smtp.sink.to(org.email(org.sup)) if "Pengingat" in m.subject]
    assert len(reminders) == 1 and "2026-11-30" in reminders[0].part("plain")


def test_the_tick_command_runs_the_scheduler_once_and_reports(nsettings, org, smtp, clock):
    import os
    import subprocess
    import sys

    from tests.support.env import settings_env
    env = dict(os.environ, **settings_env(nsettings))
    done = subprocess.run([sys.executable, "-m", "services.notifier", "tick"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "tick: checking open cases" in done.stdout and "tick done:" in done.stdout
