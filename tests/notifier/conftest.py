"""Fixtures of the notifier tests: a real SMTP server and webhook receiver on loopback, a
small organisation in the directory, and coaching-case events as the aggregator sends them."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from shared.contracts.events import new_event
from shared.contracts.payloads import CASE_CLOSED, CASE_OPENED

from tests.support.smtp import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver

WEBHOOK_SECRET = "global-webhook-secret-for-tests"
ADMIN_EMAIL = "admin@pemda.example"


def nip(n: int) -> str:
    return f"19800101201001{n:04d}"


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def hooks():
    with WebhookReceiver(WEBHOOK_SECRET) as receiver:
        yield receiver


@pytest.fixture
def nsettings(fresh_settings, smtp, hooks):
    """A database and topics of this test's own, mail to the loopback SMTP server, the global
    webhook to the loopback receiver; 3 attempts before a delivery is dead."""
    return replace(fresh_settings, smtp_host="127.0.0.1", smtp_port=smtp.port, webhook_url=hooks.url,
                   webhook_secret=WEBHOOK_SECRET, admin_email=ADMIN_EMAIL, delivery_max_attempts=3,
                   webhook_allowed_hosts="127.0.0.1",
                   retry_base_s=60, retry_max_s=3600, escalate_after_days=3, cooldown_hours=24,
                   notifier_public_url="https://tanggap.pemda.example", aggregator_public_url="https://agg.pemda.example")


@dataclass
class Org:
    """Unit DISDUK: head (kepala dinas) <- boss (kepala bidang) <- sup (kepala seksi) <- staff.
    Unit DPM: other_sup <- outsider (another team)."""

    head: str
    boss: str
    sup: str
    staff: list[str]
    other_sup: str
    outsider: str
    orphan: str  # no supervisor recorded

    def email(self, who: str) -> str:
        return f"{who}@pemda.example"


@pytest.fixture
def org(clock) -> Org:
    from shared.records.directory import Employee, Unit

    o = Org(head=nip(1), boss=nip(2), sup=nip(3), staff=[nip(100 + i) for i in range(22)], other_sup=nip(4),
            outsider=nip(5), orphan=nip(6))
    now = clock.now()
    Unit.save_revision("DISDUK", {"name": "Dinas Kependudukan", "head_nip": o.head}, at=now, by="test")
    Unit.save_revision("DPM", {"name": "DPMPTSP", "head_nip": o.other_sup}, at=now, by="test")

    def person(n, name, unit, sup=None, lang="id"):
        Employee.save_revision(n, {"name": name, "unit": unit, "email": o.email(n), "supervisor_nip": sup,
                                   "lang": lang}, at=now, by="test")

    person(o.head, "Ibu Kepala Dinas", "DISDUK")
    person(o.boss, "Bapak Kepala Bidang", "DISDUK", o.head)
    person(o.sup, "Ibu Kepala Seksi", "DISDUK", o.boss)
    for i, n in enumerate(o.staff):
        person(n, f"Pegawai {i}", "DISDUK", o.sup)
    person(o.other_sup, "Bapak Kepala DPM", "DPM")
    person(o.outsider, "Pegawai DPM", "DPM", o.other_sup)
    person(o.orphan, "Pegawai Tanpa Atasan", "DISDUK")
    return o


def case_event(subject: str, *, case_id: str | None = None, closed: bool = False, rule: str = "predikat_below_baik",
               subject_type: str = "employee", unit: str = "DISDUK", period: str = "2026-10",
               severity: str = "warning", clock=None):
    now = (clock.now() if clock else datetime.now(UTC)).isoformat()
    payload = {"case_id": case_id or f"{rule}:{subject}:{period}:1", "rule": rule, "subject_type": subject_type,
               "subject": subject, "unit": unit, "period": period, "opened_at": now,
               "closed_at": now if closed else None, "severity": severity,
               "summary": {"id": "Predikat kinerja di bawah Baik", "en": "Performance rating below Good"},
               "evidence": {"predikat": "Butuh Perbaikan", "threshold": "Baik", "rule": rule, "period": period}}
    return new_event(CASE_CLOSED if closed else CASE_OPENED, subject, payload, producer="aggregator",
                     event_id=uuid.uuid4(), clock=clock)


@pytest.fixture
def sender(nsettings):
    from services.notifier.deliveries import Sender
    s = Sender(nsettings, rand=random.Random(7).random)
    yield s
    s.close()


@pytest.fixture
def worker(nsettings, clock, sender):
    """The worker's batch handler and tick, in this process, on the manual clock."""
    from services.notifier.worker import NotifierWorker
    return NotifierWorker(nsettings, clock=clock, sender=sender)


def batch_of(*events, topic="coaching", partition=0):
    """Events as a Kafka batch (what the consumer's poll returns) for NotifierWorker.handle."""
    from kafka import TopicPartition
    from kafka.consumer.fetcher import ConsumerRecord
    records = [ConsumerRecord(topic=topic, partition=partition, leader_epoch=-1, offset=i, timestamp=0,
                              timestamp_type=0, key=e.key.encode(), value=e.encode(), headers=[], checksum=None,
                              serialized_key_size=len(e.key), serialized_value_size=len(e.encode()),
                              serialized_header_size=-1) for i, e in enumerate(events)]
    return {TopicPartition(topic, partition): records}


def page_client(nsettings, clock, username: str, roles: list[str], nip: str | None = None):
    """A logged-in test client of the notifier's pages for a new web login."""
    import re

    from shared.records.users import WebUser, hash_password

    from services.notifier.app import create_app
    WebUser.save_revision(username, {"password_hash": hash_password("rahasia-sekali"), "roles": roles, "nip": nip},
                          at=clock.now(), by="test")
    client = create_app(nsettings, clock).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": "rahasia-sekali", "csrf_token": token})
    return client
