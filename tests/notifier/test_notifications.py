"""A coaching case reaches the right supervisor once per channel: mail over a real SMTP
server, a signed webhook to a real HTTP receiver, and the in-app inbox."""
from __future__ import annotations

import pytest

from tests.notifier.conftest import ADMIN_EMAIL, batch_of, case_event

pytestmark = pytest.mark.integration


def deliveries(**filters):
    from services.notifier.models import Delivery
    return list(Delivery.objects(**filters))


def test_an_opened_case_mails_hooks_and_inboxes_the_direct_supervisor(worker, org, smtp, hooks, clock):
    event = case_event(org.staff[0], clock=clock)
    worker.process(batch_of(event))

    mails = smtp.sink.to(org.email(org.sup))
    assert len(mails) == 1 and smtp.sink.count() == 1
    mail = mails[0]
    assert mail.subject.startswith("[Tanggap] Perlu pembinaan: Pegawai 0")
    assert "Seorang anggota tim Anda memerlukan pembinaan" in mail.part("plain")
    assert "<table" in mail.part("html") and "Predikat kinerja di bawah Baik" in mail.part("html")
    assert f"https://tanggap.pemda.example/inbox/{event.payload['case_id']}" in mail.part("plain")

    [hook] = hooks.all()
    assert hook.signature_ok and hook.answered == 204
    body = hook.json
    assert body["case_id"] == event.payload["case_id"] and body["recipient"] == org.sup and body["event"] == "opened"
    assert "Pegawai 0" not in hook.body.decode()  # identifiers only, no names

    [inbox] = deliveries(channel="inbox")
    assert inbox.recipient == org.sup and inbox.status == "sent"

    from services.notifier.models import FollowUpCase
    case = FollowUpCase.objects.get(pk=event.payload["case_id"])
    assert (case.assignee_nip, case.assignee_kind, case.route_reason) == (org.sup, "supervisor", "direct supervisor")


def test_the_mail_is_in_english_when_the_supervisor_prefers_it(worker, org, smtp, clock):
    from shared.records.directory import Employee
    Employee.save_revision(org.sup, {"lang": "en"}, at=clock.now(), by="test")
    worker.process(batch_of(case_event(org.staff[1], clock=clock)))
    [mail] = smtp.sink.to(org.email(org.sup))
    assert mail.subject.startswith("[Tanggap] Coaching needed: Pegawai 1")
    assert "A member of your team needs coaching" in mail.part("plain")
    assert "Performance rating below Good" in mail.part("html")
    assert mail.message["Content-Language"] == "en"


def test_the_same_case_event_twice_notifies_once_per_channel(worker, org, smtp, hooks, clock):
    event = case_event(org.staff[2], clock=clock)
    worker.process(batch_of(event))
    worker.process(batch_of(event))                                      # redelivered
    again = case_event(org.staff[2], case_id=event.payload["case_id"], clock=clock)
    worker.process(batch_of(again))                                      # re-published with a new event id
    assert smtp.sink.count() == 1 and len(hooks.all()) == 1
    assert len(deliveries(channel="inbox")) == 1
    assert {(d.channel, d.status) for d in deliveries()} == {("email", "sent"), ("webhook", "sent"), ("inbox", "sent")}


def test_without_a_supervisor_the_unit_head_is_told_and_the_reason_recorded(worker, org, smtp, clock):
    event = case_event(org.orphan, clock=clock)
    worker.process(batch_of(event))
    assert len(smtp.sink.to(org.email(org.head))) == 1
    from services.notifier.models import FollowUpCase
    case = FollowUpCase.objects.get(pk=event.payload["case_id"])
    assert case.assignee_kind == "unit_head" and "no direct supervisor" in case.route_reason


def test_a_case_nobody_can_take_goes_to_the_admin(worker, org, smtp, clock):
    event = case_event("19990101202001" + "9999", unit="NOWHERE", clock=clock)
    worker.process(batch_of(event))
    [mail] = smtp.sink.to(ADMIN_EMAIL)
    assert "NIP 199901012020019999" in mail.subject
    from services.notifier.models import FollowUpCase
    assert FollowUpCase.objects.get(pk=event.payload["case_id"]).assignee_kind == "admin"


def test_cooldown_stops_a_second_mail_about_the_same_person_but_the_inbox_gets_both(worker, org, smtp, clock):
    worker.process(batch_of(case_event(org.staff[3], rule="predikat_below_baik", clock=clock)))
    clock.advance(hours=5)
    worker.process(batch_of(case_event(org.staff[3], rule="berakhlak_below", clock=clock)))
    assert smtp.sink.count() == 1
    [suppressed] = deliveries(channel="email", status="suppressed")
    assert suppressed.reason.startswith("cooldown")
    assert len(deliveries(channel="inbox", recipient=org.sup)) == 2
    clock.advance(hours=20)                                              # past the 24 h cooldown
    worker.process(batch_of(case_event(org.staff[3], rule="officer_drop", clock=clock)))
    assert smtp.sink.count() == 2


def test_mail_waits_for_the_end_of_quiet_hours(worker, org, smtp, hooks, clock, nsettings, sender):
    from services.notifier import scheduler
    from services.notifier.models import NotificationPreferences
    NotificationPreferences.save_revision(org.sup, {"quiet_start": "09:00", "quiet_end": "12:00"},
                                          at=clock.now(), by="test")
    worker.process(batch_of(case_event(org.staff[4], clock=clock)))      # 10:00 in Jakarta
    assert smtp.sink.count() == 0 and len(hooks.all()) == 1           # webhooks are not held
    [held] = deliveries(channel="email")
    assert held.status == "pending" and held.reason == "quiet hours"
    clock.advance(hours=1, minutes=59)
    scheduler.tick(nsettings, clock.now(), sender)
    assert smtp.sink.count() == 0
    clock.advance(minutes=1)                                             # 12:00 in Jakarta
    scheduler.tick(nsettings, clock.now(), sender)
    assert len(smtp.sink.to(org.email(org.sup))) == 1


def test_the_daily_digest_gathers_the_days_cases_into_one_mail(worker, org, smtp, clock, nsettings, sender):
    from services.notifier import scheduler
    from services.notifier.models import NotificationPreferences
    NotificationPreferences.save_revision(org.sup, {"digest": True}, at=clock.now(), by="test")
    for i in range(5, 8):
        worker.process(batch_of(case_event(org.staff[i], clock=clock)))
        clock.advance(minutes=30)
    assert smtp.sink.count() == 0
    assert len(deliveries(channel="inbox", recipient=org.sup)) == 3
    clock.advance(hours=12)                                              # 23:30 in Jakarta: same day
    scheduler.tick(nsettings, clock.now(), sender)
    assert smtp.sink.count() == 0
    clock.advance(hours=8)                                               # 07:30 next day: digest time
    scheduler.tick(nsettings, clock.now(), sender)
    scheduler.tick(nsettings, clock.now(), sender)                       # once only
    [digest] = smtp.sink.to(org.email(org.sup))
    assert "Ringkasan harian" in digest.subject and "(3)" in digest.subject
    for i in range(5, 8):
        assert f"Pegawai {i}" in digest.part("plain")


def test_a_closed_case_is_marked_cleared_and_the_supervisor_told_in_the_inbox(worker, org, smtp, hooks, clock):
    opened = case_event(org.staff[8], clock=clock)
    worker.process(batch_of(opened))
    clock.advance(days=1)
    worker.process(batch_of(case_event(org.staff[8], case_id=opened.payload["case_id"], closed=True, clock=clock)))
    worker.process(batch_of(case_event(org.staff[8], case_id=opened.payload["case_id"], closed=True, clock=clock)))
    from services.notifier.models import CaseHistoryEntry
    assert [e.kind for e in CaseHistoryEntry.objects(case_id=opened.payload["case_id"])] == ["cleared"]
    assert smtp.sink.count() == 1                                         # no mail for a closed case
    assert [h.json["event"] for h in hooks.all()] == ["opened", "closed"]
    assert len(deliveries(channel="inbox", event="closed")) == 1


def test_an_invalid_message_goes_to_the_dead_letter_topic(worker, nsettings, smtp):
    from kafka import TopicPartition
    from kafka.consumer.fetcher import ConsumerRecord

    from shared.messaging.consumer import dead_letter
    from shared.messaging.topics import Topics

    from tests.support.kafka_read import read_topic
    bad = ConsumerRecord(topic="t", partition=0, leader_epoch=-1, offset=5, timestamp=0, timestamp_type=0,
                         key=b"x", value=b"{not json", headers=[], checksum=None, serialized_key_size=1,
                         serialized_value_size=9, serialized_header_size=-1)
    refused = worker.process({TopicPartition("t", 0): [bad]})
    assert [(d.record.offset, d.reason) for d in refused] == [(5, "not JSON")]
    dead_letter(worker.producer, Topics.from_settings(nsettings).deadletter, worker.group, refused)  # the loop's step
    [dead] = read_topic(nsettings, Topics.from_settings(nsettings).deadletter)
    assert dead.value == b"{not json" and dict(dead.headers)["reason"] == b"not JSON"
    assert dict(dead.headers)["source"] == b"t/0/5" and dict(dead.headers)["consumer"] == worker.group.encode()
    assert smtp.sink.count() == 0


def test_a_crash_after_storing_the_case_is_repaired_by_the_redelivery(worker, org, smtp, hooks, clock):
    from services.notifier import case_events, routing
    event = case_event(org.staff[9], clock=clock)
    case_events.open_case(event.payload, event, clock.now(), routing.LiveDirectory())   # stored, then the crash
    assert smtp.sink.count() == 0
    worker.process(batch_of(event))                                       # Kafka redelivers the batch
    assert smtp.sink.count() == 1 and len(hooks.all()) == 1


def test_a_send_cut_short_by_a_crash_is_tried_again_as_the_next_attempt(worker, org, smtp, clock, nsettings, sender):
    from services.notifier import scheduler
    from services.notifier.models import Delivery, DeliveryAttempt, NotificationPreferences
    NotificationPreferences.save_revision(org.sup, {"quiet_start": "09:00", "quiet_end": "11:00"},
                                          at=clock.now(), by="test")
    worker.process(batch_of(case_event(org.staff[10], clock=clock)))      # held by the quiet hours
    held = Delivery.objects.get(channel="email")
    clock.advance(hours=1)                                               # due now
    # another scheduler claimed attempt 1 and died before recording its outcome
    DeliveryAttempt(delivery_id=held.key, no=1, channel="email", at=clock.now(),
                    outcome="sending").save(force_insert=True)
    scheduler.tick(nsettings, clock.now(), sender)
    assert smtp.sink.count() == 0                                        # not while it may still be in flight
    clock.advance(minutes=10)
    scheduler.tick(nsettings, clock.now(), sender)
    assert smtp.sink.count() == 1
    sent = Delivery.objects.get(channel="email")
    assert sent.status == "sent" and sent.attempts == 2


def test_mail_is_sent_with_the_configured_smtp_login(nsettings, org, clock):
    from dataclasses import replace

    from services.notifier.deliveries import Sender
    from services.notifier.worker import NotifierWorker
    from tests.support.smtp import SmtpServer
    with SmtpServer(login=("tanggap", "smtp-password-from-env")) as server:
        settings = replace(nsettings, smtp_port=server.port, smtp_username="tanggap",
                           smtp_password="smtp-password-from-env")
        NotifierWorker(settings, clock=clock,
                       sender=Sender(settings)).process(batch_of(case_event(org.staff[11], clock=clock)))
        assert server.logins == ["tanggap"] and len(server.sink.to(org.email(org.sup))) == 1
