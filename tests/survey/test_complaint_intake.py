"""A citizen's complaint taken in through the API and the web form, against the real database:
one validation for every way in, a numbered ticket, the replay, the contact sealed at rest and
out of the event, the tracking key."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from shared.records.complaints import Complaint, ComplaintContact, contact_of

pytestmark = pytest.mark.integration


def body(org, **extra) -> dict:
    return {"unit": org.unit, "kind": "pengaduan", "text": "Antrean KTP tiga jam, petugas tidak ada.",
            "unsur": "U3", **extra}


def test_complaint_gets_a_ticket_and_its_event_carries_no_text_nor_contact(survey, org, settings):
    sent = survey.post("/api/v1/complaints", json=body(org, contact={"email": "warga@example.com"}, consent=True,
                                                       officer=org.a, service="KTP"))
    assert sent.status_code == 201, sent.json
    ticket = sent.json["ticket"]
    assert re.fullmatch(r"ADU-2026-11-\d{6}", ticket)          # the clock's month, WIB
    assert sent.json["tracking_url"].endswith(f"/pengaduan/lacak/{ticket}?key={sent.json['tracking_key']}")
    doc = Complaint.objects(pk=ticket).get()
    event = json.dumps(doc.outbox.event)
    assert "Antrean" not in event and "warga@" not in event and doc.outbox.event["payload"]["has_contact"] is True
    sealed = ComplaintContact.objects(pk=ticket).get().sealed
    assert "warga" not in sealed                                  # encrypted at rest
    assert contact_of(settings, ticket) == {"email": "warga@example.com"}

    second = survey.post("/api/v1/complaints", json=body(org, kind="aspirasi"))
    assert second.status_code == 201
    assert int(second.json["ticket"][-6:]) == int(ticket[-6:]) + 1   # numbered in order within the month


def test_complaint_replay_returns_the_same_ticket_and_a_changed_one_is_refused(survey, org):
    cid = str(uuid.uuid4())
    first = survey.post("/api/v1/complaints", json=body(org, id=cid))
    again = survey.post("/api/v1/complaints", json=body(org, id=cid))
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert (again.json["ticket"], again.json["tracking_key"]) == (first.json["ticket"], first.json["tracking_key"])
    changed = survey.post("/api/v1/complaints", json=body(org, id=cid, text="Lain"))
    assert changed.status_code == 409 and "id" in changed.json["errors"]
    assert Complaint.objects(client_id=cid).count() == 1


@pytest.mark.parametrize("change, field", [
    ({"kind": "protes"}, "kind"), ({"text": "  "}, "text"), ({"text": None}, "text"), ({"unsur": "U10"}, "unsur"),
    ({"unit": "NOPE"}, "unit"), ({"contact": {"email": "x@example.com"}}, "consent"),
    ({"contact": {"email": "not-mail"}, "consent": True}, "contact"), ({"officer": "199001012010011999"}, "officer"),
    ({"text": "x" * 4001}, "text"), ({"unit": None, "deployment": None}, "deployment"),
])
def test_complaint_bad_input_is_a_422_naming_the_field(survey, org, change, field):
    before = Complaint.objects.count()
    sent = survey.post("/api/v1/complaints", json={**body(org), **change})
    assert sent.status_code == 422, sent.json
    assert any(key == field or key.startswith(field + ".") for key in sent.json["errors"]), sent.json
    assert Complaint.objects.count() == before


def test_complaint_tracking_needs_the_key(survey, org):
    sent = survey.post("/api/v1/complaints", json=body(org, contact={"phone": "+62 812 3456 7890"}, consent=True))
    ticket, key = sent.json["ticket"], sent.json["tracking_key"]
    shown = survey.get(f"/api/v1/complaints/{ticket}?key={key}")
    assert shown.status_code == 200 and shown.json["state"] == "diterima"
    assert [s["state"] for s in shown.json["steps"]] == ["diterima"]
    assert "812" not in shown.get_data(as_text=True)
    for wrong in (f"/api/v1/complaints/{ticket}", f"/api/v1/complaints/{ticket}?key={key[:-1]}x",
                  f"/api/v1/complaints/ADU-2026-11-999999?key={key}"):
        assert survey.get(wrong).status_code == 404
    page = survey.get(f"/pengaduan/lacak/{ticket}?key={key}")
    assert page.status_code == 200 and ticket in page.get_data(as_text=True)
    assert survey.get(f"/pengaduan/lacak/{ticket}?key=nope").status_code == 404


def test_complaint_web_form_validates_like_the_api(survey, org):
    page = survey.get(f"/pengaduan?unit={org.unit}")
    assert page.status_code == 200 and 'name="text"' in page.get_data(as_text=True)
    refused = survey.post("/pengaduan", data={"unit": org.unit, "kind": "pengaduan", "text": "",
                                              "email": "warga@example.com"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'href="#text"' in html and 'id="err-text"' in html
    hostile = "<script>alert(1)</script> antrean"
    sent = survey.post("/pengaduan", data={"id": str(uuid.uuid4()), "unit": org.unit, "kind": "aspirasi",
                                           "text": hostile, "email": "warga@example.com", "consent": "yes"})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    ticket = re.search(r'id="ticket">([^<]+)<', sent.get_data(as_text=True)).group(1)
    doc = Complaint.objects(pk=ticket).get()
    assert doc.channel == "web" and doc.text == hostile and doc.has_contact
    extra = survey.post("/pengaduan", data={"unit": org.unit, "kind": "aspirasi", "text": "a", "$where": "1"})
    assert extra.status_code == 422


def test_a_held_complaint_is_listed_and_released_like_a_response(survey, org, clock):
    from services.survey.outbox import held
    ticket = survey.post("/api/v1/complaints", json=body(org)).json["ticket"]
    Complaint._get_collection().update_one({"_id": ticket}, {"$set": {"held": True, "held_reason": "too large",
                                                                      "held_at": clock.now()}})
    assert ticket in [row["id"] for row in held.listing()]
    assert held.decide(ticket, "release", by="admin", at=clock.now())["response_id"] == ticket
