"""A complaint ticket on the unit's side, against the real database and Kafka with an injected
clock: routed to the unit head and its handlers, reminded and escalated in working days over a
weekend and a holiday, verified once under a race, forwarded (the new unit owns it), answered
(the citizen mailed at the address only the ticket's handlers see), every step published."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.contracts.events import from_json
from shared.messaging.topics import Topics
from shared.records.complaints import Complaint
from shared.records.directory import Unit

from services.notifier import ticket_deadlines
from services.notifier.models import Delivery, TicketEntry
from tests.notifier.conftest import batch_of, page_client
from tests.support.kafka_read import event_bodies, read_topic

pytestmark = pytest.mark.integration
HOSTILE = '<script>alert("x")</script> Antrean KTP tiga jam'


def at(day: int, hour_wib: int = 10) -> datetime:
    return datetime(2026, 11, day, hour_wib - 7, 0, tzinfo=UTC)


def told(event: str) -> set[str]:
    return {d.recipient for d in Delivery.objects(event=event, channel="inbox")}


def test_complaint_ticket_routed_chased_forwarded_and_answered(nsettings, clock, org, worker, smtp):
    from shared.platform.auth import issue_token

    from services.notifier.app import create_app as notifier_app
    from services.survey.app import create_app as survey_app

    settings = replace(nsettings, holidays="2026-11-26")     # Thursday: a holiday
    worker.settings = settings
    worker.sender.settings = settings
    Unit.save_revision("SEKSI", {"name": "Seksi Pelayanan", "parent": "DISDUK", "head_nip": org.sup,
                                 "complaint_handlers": [org.staff[0]]}, at=clock.now(), by="test")
    survey = survey_app(settings, clock).test_client()
    sent = survey.post("/api/v1/complaints", json={"unit": "SEKSI", "kind": "pengaduan", "text": HOSTILE,
                                                   "unsur": "U3", "contact": {"email": "warga@rumah.example"},
                                                   "consent": True})
    assert sent.status_code == 201, sent.json
    ticket = sent.json["ticket"]
    event = from_json(Complaint.objects(pk=ticket).get().outbox.event)
    worker.process(batch_of(event, topic=Topics.from_settings(settings).complaints))
    worker.process(batch_of(event, topic=Topics.from_settings(settings).complaints))   # redelivered: nothing new
    assert told("ticket-received") == {org.sup, org.staff[0]}
    assert Delivery.objects(event="ticket-received").count() == 6        # inbox, mail and webhook each, once

    def tick(day: int) -> dict:
        clock.set(at(day))
        return dict(ticket_deadlines.tick(settings, clock.now(), producer=worker.producer))

    # Received Monday 23rd; verification due by the 3rd working day: Tue, Wed, (Thu holiday), Fri 27th.
    assert tick(24) == {}
    assert tick(25) == {"ticket_reminded": 1}                 # the last working day before Friday
    assert tick(27) == {} and tick(28) == {} and tick(29) == {}   # due day, then the weekend
    assert tick(30) == {"ticket_escalated": 1, "ticket_published": 1}   # Monday: overdue, up the chain (published)
    assert told("ticket-escalated-verify-0-1") == {org.boss, "admin"}
    clock.set(datetime(2026, 12, 3, 3, tzinfo=UTC))
    assert dict(ticket_deadlines.tick(settings, clock.now())) == {"ticket_escalated": 1}   # 3 working days on
    assert told("ticket-escalated-verify-0-2") == {org.head}

    def tokens(*roles: str, nip: str | None = None) -> dict:
        token = issue_token(settings, sub=nip or "admin-user", roles=list(roles), nip=nip, ttl_seconds=90 * 86400)
        return {"Authorization": f"Bearer {token}"}

    api = notifier_app(settings, clock).test_client()
    url = f"/api/v1/complaint-tickets/{ticket}"
    assert api.get(url, headers=tokens("supervisor", nip=org.other_sup)).status_code == 403
    assert api.get(url, headers=tokens("admin")).json["contact"] == {"email": "warga@rumah.example"}
    listed = api.get("/api/v1/complaint-tickets", headers=tokens("employee", nip=org.staff[0])).json
    assert [r["ticket"] for r in listed] == [ticket] and listed[0]["deadline"]["overdue"] is True
    assert api.get("/api/v1/complaint-tickets", headers=tokens("employee", nip=org.staff[1])).json == []

    boss = tokens("supervisor", nip=org.boss)
    first = api.post(f"{url}/actions", json={"action": "verify", "note": "ditangani"}, headers=boss)
    assert first.status_code == 201 and first.json["ticket"]["state"] == "diverifikasi"
    assert api.post(f"{url}/actions", json={"action": "verify"}, headers=boss).status_code == 200   # replay
    late = api.post(f"{url}/actions", json={"action": "verify"}, headers=tokens("supervisor", nip=org.sup))
    assert late.status_code == 409 and late.json["code"] == "already_verified"
    assert api.post(f"{url}/actions", json={"action": "answer"}, headers=boss).status_code == 422   # no reply
    moved = api.post(f"{url}/actions", json={"action": "forward", "to_unit": "DPM"}, headers=boss)
    assert moved.status_code == 201 and moved.json["ticket"]["unit"] == "DPM"
    assert moved.json["ticket"]["contact"] is None and moved.json["ticket"]["history"] == []   # no longer his
    again = api.post(f"{url}/actions", json={"action": "forward", "to_unit": "DPM"}, headers=boss)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"          # a retried forward
    assert told(f"ticket-forwarded-{TicketEntry.objects(ticket=ticket, kind='forwarded').get().seq}") == {
        org.other_sup}
    assert api.get(url, headers=boss).status_code == 403            # the new unit owns it now

    dpm = tokens("supervisor", nip=org.other_sup)
    assert api.post(f"{url}/actions", json={"action": "verify"}, headers=dpm).status_code == 201
    reply = "Loket tambahan dibuka mulai 1 Desember."
    done = api.post(f"{url}/actions", json={"action": "answer", "reply": reply, "note": "internal"}, headers=dpm)
    assert done.status_code == 201 and done.json["ticket"]["state"] == "selesai"
    again = api.post(f"{url}/actions", json={"action": "reject", "reason": "x"}, headers=dpm)
    assert again.status_code == 409

    citizen = Delivery.objects(event="ticket-answered", recipient="citizen").get()
    assert "warga@" not in str(citizen.content)               # the address is opened only when sending
    worker.dispatch()
    [mail] = smtp.sink.to("warga@rumah.example")
    assert reply in mail.part("plain") and ticket in mail.subject

    steps = [b["payload"] for b in event_bodies(read_topic(settings, Topics.from_settings(settings).complaints))
             if b["type"] == "complaint.status.changed"]
    assert [s["kind"] for s in steps].count("escalated") == 1     # the one escalated with Kafka at hand (on the 30th)
    steps = [s for s in steps if s["kind"] != "escalated"]
    assert [(s["kind"], s["state"], s["unit"]) for s in sorted(steps, key=lambda s: s["seq"])] == [
        ("verified", "diverifikasi", "SEKSI"), ("forwarded", "dialihkan", "DPM"), ("verified", "diverifikasi", "DPM"),
        ("answered", "selesai", "DPM")]
    assert reply in str(steps) and "internal" not in str(steps) and "warga" not in str(steps) and "Antrean" not in str(
        steps)
    assert TicketEntry.objects(ticket=ticket, kind="escalated").count() == 2

    page = page_client(settings, clock, "kepala.dpm", ["supervisor"], nip=org.other_sup)
    html = page.get(f"/pengaduan/{ticket}").get_data(as_text=True)
    assert "&lt;script&gt;" in html and "<script>alert" not in html and "warga@rumah.example" in html
    assert page_client(settings, clock, "luar", ["employee"], nip=org.outsider).get(
        f"/pengaduan/{ticket}").status_code == 403


def test_complaint_duplicate_shares_the_answer_and_the_export_has_no_contact(nsettings, clock, org, worker, smtp):
    from openpyxl import load_workbook

    from shared.platform.auth import issue_token

    from services.notifier.app import create_app as notifier_app
    from services.survey.app import create_app as survey_app

    survey = survey_app(nsettings, clock).test_client()
    topic = Topics.from_settings(nsettings).complaints
    sent = []
    for text, email in (("=HYPERLINK(\"http://x\") jalan rusak", "satu@rumah.example"),
                        ("Jalan depan kantor rusak", "dua@rumah.example")):
        answer = survey.post("/api/v1/complaints", json={"unit": "DISDUK", "kind": "pengaduan", "text": text,
                                                         "contact": {"email": email}, "consent": True})
        sent.append(answer.json["ticket"])
        worker.process(batch_of(from_json(Complaint.objects(pk=answer.json["ticket"]).get().outbox.event),
                                topic=topic))
    first, second = sent
    head = {"Authorization": f"Bearer {issue_token(nsettings, sub=org.head, roles=['supervisor'], nip=org.head)}"}
    api = notifier_app(nsettings, clock).test_client()
    act = "/api/v1/complaint-tickets/{}/actions".format
    assert api.post(act(second), json={"action": "duplicate", "of": second}, headers=head).status_code == 409
    assert api.post(act(second), json={"action": "duplicate", "of": "ADU-2026-11-999999"},
                    headers=head).status_code == 422
    assert api.post(act(second), json={"action": "duplicate", "of": first}, headers=head).status_code == 201
    circular = api.post(act(first), json={"action": "duplicate", "of": second}, headers=head)
    assert circular.status_code == 422 and "of" in circular.json["errors"]      # that one is itself a duplicate
    assert api.post(act(first), json={"action": "verify"}, headers=head).status_code == 201
    reply = "Perbaikan jalan dijadwalkan pekan depan."
    assert api.post(act(first), json={"action": "answer", "reply": reply}, headers=head).status_code == 201
    worker.dispatch()
    assert reply in smtp.sink.to("satu@rumah.example")[0].part("plain")
    [shared] = smtp.sink.to("dua@rumah.example")            # the duplicate's citizen hears the shared answer
    assert reply in shared.part("plain") and first in shared.part("plain")

    from services.notifier import ticket_actions
    assert ticket_actions.untold(clock.now()) == []          # every answer's and duplicate's notices recorded
    TicketEntry._get_collection().database["notifier_ticket_told"].delete_many({})   # as if the web died first
    assert len(ticket_actions.untold(clock.now())) == 2
    assert dict(ticket_deadlines.tick(nsettings, clock.now()))["ticket_told_late"] == 2
    worker.dispatch()
    assert len(smtp.sink.to("dua@rumah.example")) == 1       # told late, still once

    exported = api.get("/api/v1/complaint-tickets/export?format=csv&period=2026-11", headers=head)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    csv_text = exported.get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and reply in csv_text and "@rumah.example" not in csv_text
    assert csv_text.splitlines()[0].startswith("nomor_tiket,jenis,unsur")
    book = load_workbook(__import__("io").BytesIO(api.get("/api/v1/complaint-tickets/export?format=xlsx",
                                                          headers=head).data))
    cells = [[c.value for c in row] for row in book.active.iter_rows()]
    assert {r[0] for r in cells[1:]} == {first, second} and all(c.data_type != "f" for row in
                                                                 book.active.iter_rows() for c in row)
    assert any(str(v).startswith("=HYPERLINK") for row in cells for v in row)   # as text, no apostrophe
    outsider = {"Authorization": f"Bearer {issue_token(nsettings, sub='x', roles=['employee'], nip=org.outsider)}"}
    assert "jalan" not in api.get("/api/v1/complaint-tickets/export", headers=outsider).get_data(as_text=True)
