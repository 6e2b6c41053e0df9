"""Complaint handling per unit, folded by the aggregator from the complaints topic's events
(real database): the figures equal a recomputation by hand, the public sees the answered
tickets (hostile replies escaped), the dashboard shows them beside U8, and the
complaints-sla rule opens one unit case."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.contracts import payloads
from shared.contracts.events import new_event
from shared.messaging.topics import Topics
from shared.platform.clock import ManualClock
from shared.records.directory import Unit

from services.aggregator.coaching.cases import CaseOpening
from services.aggregator.coaching.rule_config import CoachingRule
from services.aggregator.pipeline.worker import IndicatorWorker
from services.aggregator.queries import complaints
from tests.notifier.conftest import batch_of

pytestmark = pytest.mark.integration
HOSTILE = '<img src=x onerror=alert(1)> Loket dibuka pukul 07.30.'


def wib(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour - 7, tzinfo=UTC)


def received(ticket: str, unit: str, kind: str = "pengaduan", unsur: str | None = "U3"):
    payload = {"ticket": ticket, "unit": unit, "service": None, "officer": None, "kind": kind, "unsur": unsur,
               "channel": "web", "period": "2026-11", "received_at": wib(2).isoformat(), "has_contact": False}
    return new_event(payloads.COMPLAINT_RECEIVED, ticket, payload, producer="survey")


def step(ticket: str, seq: int, kind: str, state: str, day: int, unit: str = "PUSK", text: str | None = None,
         of: str | None = None):
    payload = {"ticket": ticket, "seq": seq, "kind": kind, "state": state, "unit": unit, "at": wib(day).isoformat(),
               "text": text, "duplicate_of": of}
    return new_event(payloads.COMPLAINT_STATUS, ticket, payload, producer="notifier")


def t(n: int) -> str:
    return f"ADU-2026-11-{n:06d}"


EVENTS = [
    received(t(1), "PUSK"), step(t(1), 1, "verified", "diverifikasi", 3),
    step(t(1), 2, "answered", "selesai", 11, text="Sudah ditambah petugas."),
    received(t(2), "PUSK"), step(t(2), 1, "verified", "diverifikasi", 9), step(t(2), 2, "answered", "selesai", 30,
                                                                             text=HOSTILE),
    received(t(3), "PUSK", "aspirasi"), step(t(3), 1, "rejected", "ditolak", 4, text="Bukan wewenang kami."),
    received(t(4), "PUSK", "informasi", None), step(t(4), 1, "verified", "diverifikasi", 3),
    received(t(5), "PUSK"),
    received(t(6), "OTHER"), step(t(6), 1, "forwarded", "dialihkan", 3), step(t(6), 2, "verified", "diverifikasi", 4),
    step(t(6), 3, "answered", "selesai", 5, text="Jadwal diumumkan."),
    received(t(7), "PUSK"), step(t(7), 1, "duplicate", "selesai", 11, of=t(1)),
]


def test_complaint_figures_equal_a_recomputation_and_are_public(fresh_settings):
    from services.aggregator.app import create_app

    clock = ManualClock(datetime(2026, 12, 10, 3, tzinfo=UTC))
    for code in ("PUSK", "OTHER"):
        Unit.save_revision(code, {"name": f"Unit {code}"}, at=clock.now(), by="test")
    CoachingRule.save_revision("complaints-sla", {"kind": "complaints_sla", "severity": "warning", "enabled": True,
                                                  "params": {"min_percent": 80.0, "min_tickets": 4}},
                               at=clock.now(), by="test")
    batch = batch_of(*EVENTS, topic=Topics.from_settings(fresh_settings).complaints)
    worker = IndicatorWorker(fresh_settings, clock=clock)
    assert worker.handle(batch) == []
    worker.handle(batch)                                   # redelivered: nothing counts twice

    got = complaints.unit(fresh_settings, "PUSK", "2026-11", clock.now())
    # by hand: T1, T3, T4, T6 verified within 3 working days (T2 late, T5 overdue, T7 closed late as a duplicate);
    # answered within 14 working days of verification: T1, T6 (T2 late, T4 overdue, T5 never verified and past
    # both allowances); working days to the answer: T1 7, T2 20, T6 3; open: T4 and T5, both overdue.
    assert got["received"] == 7 and got["by_kind"] == {"pengaduan": 5, "aspirasi": 1, "informasi": 1}
    assert got["verified_in_time"] == {"done": 4, "of": 7, "percent": 57.1}
    assert got["answered_in_time"] == {"done": 2, "of": 5, "percent": 40.0}
    assert got["median_days_to_answer"] == 7.0 and (got["backlog"], got["overdue"]) == (2, 2)
    assert [(a["ticket"], a["reply"]) for a in got["answered_tickets"]] == [
        (t(2), HOSTILE), (t(7), "Sudah ditambah petugas."), (t(1), "Sudah ditambah petugas."),
        (t(6), "Jadwal diumumkan.")]
    assert complaints.unit(fresh_settings, "OTHER", "2026-11", clock.now())["received"] == 0   # forwarded away

    [case] = CaseOpening.objects(rule="complaints-sla")
    assert (case.subject, case.period) == ("PUSK", "2026-11")

    client = create_app(fresh_settings, clock).test_client()
    body = client.get("/api/v1/public/units/PUSK/complaints?period=2026-11").json
    assert body["answered_in_time"]["percent"] == 40.0 and "Bukan wewenang" not in str(body)
    page = client.get("/results/PUSK?period=2026-11").get_data(as_text=True)
    assert "&lt;img src=x" in page and "<img src=x" not in page and "Jadwal diumumkan." in page
    assert client.get("/api/v1/public/units/NOPE/complaints").status_code == 404
    from openpyxl import load_workbook

    from shared.platform.auth import issue_token
    token = issue_token(fresh_settings, sub="ev", roles=["evaluator"], ttl_seconds=90 * 86400)   # the clock is ahead
    evaluator = {"Authorization": f"Bearer {token}"}
    report = client.get("/api/v1/reports/skm/PUSK?period=2026-11&format=xlsx", headers=evaluator)
    sheet = load_workbook(__import__("io").BytesIO(report.data))["Pengaduan"]
    rows = {r[0].value: r[1].value for r in sheet.iter_rows()}
    assert rows["Dijawab tepat waktu"] == "40,0 % (2/5)" and rows["Tiket diterima"] == "7"
