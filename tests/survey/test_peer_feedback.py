"""Peer feedback: only colleagues in one's circle, once per colleague and month, never traceable."""
from __future__ import annotations

import pytest

from shared.records.responses import Response

pytestmark = pytest.mark.integration

VALUES = {"BO": 4, "AK": 5, "KO": 3, "HA": 4, "LO": 5, "AD": 3, "KL": 4}


def test_circle_lists_unit_colleagues_supervisor_and_reports(survey, tokens, org):
    lead = tokens("employee", nip=org.lead)
    circle = {c["nip"]: c["relation"] for c in survey.get("/api/v1/peer-feedback/circle", headers=lead).json}
    assert circle == {org.head: "subordinate", org.a: "supervisor", org.b: "supervisor"}
    a = {c["nip"]: c["relation"]
         for c in survey.get("/api/v1/peer-feedback/circle", headers=tokens("employee", nip=org.a)).json}
    assert a == {org.head: "peer", org.lead: "subordinate", org.b: "peer"}


def test_feedback_is_stored_with_no_trace_of_the_rater(survey, tokens, org):
    r = survey.post("/api/v1/peer-feedback", json={"ratee": org.b, "answers": {**VALUES, "BO_comment": "Ramah"}},
                    headers=tokens("employee", nip=org.a))
    assert r.status_code == 201, r.json
    doc = Response.objects.get(id=r.json["id"])
    stored = __import__("json").dumps(doc.to_mongo().to_dict(), default=str)
    assert org.a not in stored  # the rater's NIP is nowhere in the stored response or its event
    payload = doc.outbox.event["payload"]
    assert payload["ratee"] == org.b and payload["relation"] == "peer" and payload["values"] == VALUES
    assert "BO_comment" not in payload["values"] and len(payload["rater_hash"]) == 32
    assert doc.outbox.key == org.b  # keyed by ratee: order holds per ratee
    listed = survey.get("/api/v1/peer-feedback/circle", headers=tokens("employee", nip=org.a)).json
    assert {c["nip"]: c["rated_this_period"] for c in listed}[org.b] is True


def test_one_submission_per_rater_ratee_and_month(survey, tokens, org, clock):
    me = tokens("employee", nip=org.b, ttl=60 * 86400)
    assert survey.post("/api/v1/peer-feedback", json={"ratee": org.a, "answers": VALUES}, headers=me).status_code == 201
    again = survey.post("/api/v1/peer-feedback", json={"ratee": org.a, "answers": VALUES}, headers=me)
    assert again.status_code == 409 and again.json["code"] == "duplicate_feedback"
    clock.advance(days=31)
    assert survey.post("/api/v1/peer-feedback", json={"ratee": org.a, "answers": VALUES}, headers=me).status_code == 201


def test_outside_the_circle_self_and_unknown_are_refused(survey, tokens, org):
    me = tokens("employee", nip=org.a)
    outside = survey.post("/api/v1/peer-feedback", json={"ratee": org.outsider, "answers": VALUES}, headers=me)
    assert outside.status_code == 403 and outside.json["code"] == "not_in_circle"
    own = survey.post("/api/v1/peer-feedback", json={"ratee": org.a, "answers": VALUES}, headers=me)
    assert own.status_code == 422 and "ratee" in own.json["errors"]
    ghost = survey.post("/api/v1/peer-feedback", json={"ratee": "199901012020011999", "answers": VALUES}, headers=me)
    assert ghost.status_code == 422
    partial = survey.post("/api/v1/peer-feedback", json={"ratee": org.b, "answers": {"BO": 4}}, headers=me)
    assert partial.status_code == 422 and "answers.AK" in partial.json["errors"]
    stranger = tokens("employee", nip="199502022020012002")
    assert survey.post("/api/v1/peer-feedback", json={"ratee": org.b, "answers": VALUES},
                       headers=stranger).status_code == 403
