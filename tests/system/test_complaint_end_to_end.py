"""A complaint from the counter's QR code to the unit's public answer, through the real
processes: the web form -> the complaints store and outbox -> the relay -> Kafka -> the
notifier worker (a ticket in the unit head's inbox) -> the head verifies, forwards, the other
unit answers -> status events -> the survey tracker -> the citizen's tracking page, which
shows each step and the answer, never the contact."""
from __future__ import annotations

import re

import pytest
import requests

from shared.platform.auth import issue_token
from shared.platform.clock import SystemClock
from shared.records.complaints import Complaint, ComplaintContact
from shared.records.directory import Employee, Unit

from services.notifier.models import ComplaintTicket, Delivery
from services.survey.complaints.tracker import purge_contacts
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
HEAD, OTHER_HEAD = "197001012000011001", "197101012000011002"


def test_complaint_from_the_qr_code_to_the_public_answer(fresh_settings, processes):
    settings = fresh_settings
    now = SystemClock().now()
    Unit.save_revision("PUSKES", {"name": "Puskesmas Andir", "head_nip": HEAD}, at=now, by="test")
    Unit.save_revision("DINKES", {"name": "Dinas Kesehatan", "head_nip": OTHER_HEAD}, at=now, by="test")
    for nip, name, unit in ((HEAD, "Kepala Puskesmas", "PUSKES"), (OTHER_HEAD, "Kepala Dinas", "DINKES")):
        Employee.save_revision(nip, {"name": name, "unit": unit, "email": f"{nip}@pemda.example"}, at=now, by="t")
    services = processes(settings)
    survey = services.web("survey")
    notifier = services.web("notifier")
    services.relay()
    services.tracker()
    services.notifier_worker()

    def token(*roles, nip=None):
        return {"Authorization": f"Bearer {issue_token(settings, sub=nip or 'admin', roles=list(roles), nip=nip)}"}

    dep = requests.post(f"{survey.url}/api/v1/deployments", json={"template": "skm", "unit": "PUSKES"},
                        headers=token("admin"), timeout=10).json()
    form = requests.get(f"{survey.url}/s/{dep['code']}/pengaduan", timeout=10)
    assert form.status_code == 200 and "Puskesmas Andir" in form.text
    form_id = re.search(r'name="id" value="([^"]+)"', form.text).group(1)
    sent = requests.post(f"{survey.url}/s/{dep['code']}/pengaduan", timeout=10, data={
        "id": form_id, "kind": "pengaduan", "unsur": "U7", "text": "Petugas loket membentak <b>pasien</b> lansia.",
        "email": "warga@rumah.example", "phone": "0812 3456 7890", "consent": "yes"})
    assert sent.status_code == 200, sent.text
    ticket = re.search(r'id="ticket">([^<]+)<', sent.text).group(1)
    key = re.search(r'id="tracking-key">([^<]+)<', sent.text).group(1)

    eventually(lambda: ComplaintTicket.objects(pk=ticket).first(), timeout=60,
               message="the notifier never opened the ticket")
    assert eventually(lambda: Delivery.objects(case_id=ticket, recipient=HEAD, channel="inbox").first(), timeout=30)

    head = token("supervisor", nip=HEAD)
    listed = requests.get(f"{notifier.url}/api/v1/complaint-tickets", headers=head, timeout=10).json()
    assert [t["ticket"] for t in listed] == [ticket]
    act = f"{notifier.url}/api/v1/complaint-tickets/{ticket}/actions"
    assert requests.post(act, json={"action": "forward", "to_unit": "DINKES"}, headers=head, timeout=10).ok
    other = token("supervisor", nip=OTHER_HEAD)
    assert requests.post(act, json={"action": "verify"}, headers=other, timeout=10).status_code == 201
    reply = "Petugas telah dibina; layanan lansia kini punya loket prioritas."
    assert requests.post(act, json={"action": "answer", "reply": reply, "note": "dibina 3 Des"}, headers=other,
                         timeout=10).status_code == 201

    def tracked():
        body = requests.get(f"{survey.url}/api/v1/complaints/{ticket}", params={"key": key}, timeout=10).json()
        return body if body["state"] == "selesai" else None

    body = eventually(tracked, timeout=60, message="the tracker never showed the answer")
    assert [s["state"] for s in body["steps"]] == ["diterima", "dialihkan", "diverifikasi", "selesai"]
    assert body["reply"] == reply and body["unit"] == "DINKES"
    page = requests.get(f"{survey.url}/pengaduan/lacak/{ticket}", params={"key": key}, timeout=10).text
    assert reply in page and "Dinas Kesehatan" in page
    for secret in ("warga@rumah.example", "0812", "dibina 3 Des", "membentak"):
        assert secret not in page and secret not in str(body)
    assert requests.get(f"{survey.url}/pengaduan/lacak/{ticket}", params={"key": "x" * 20}, timeout=10
                        ).status_code == 404

    # the contact is deleted once the ticket has been closed longer than the retention
    assert purge_contacts(settings, SystemClock().now()) == 0
    later = SystemClock().now().replace(year=SystemClock().now().year + 1)
    assert purge_contacts(settings, later) == 1 and ComplaintContact.objects(pk=ticket).first() is None
    assert Complaint.objects(pk=ticket).get().text.startswith("Petugas loket")
