"""The supervisor inbox API: own team only, acknowledge, record the dialogue, resolve;
preferences; the delivery log. Real database, Flask test client, bearer tokens."""
from __future__ import annotations

import pytest

from tests.notifier.conftest import batch_of, case_event

pytestmark = pytest.mark.integration


@pytest.fixture
def api(nsettings, clock):
    from services.notifier.app import create_app
    def dns(host, port):  # no DNS here: the test's receivers' names resolve to a public address
        return {"hooks.pemda.example": ["93.184.216.34"]}[host]

    return create_app(nsettings, clock, resolver=dns).test_client()


@pytest.fixture
def as_(nsettings):
    from shared.platform.auth import issue_token

    def headers(nip=None, *roles):
        roles = roles or ("supervisor",)
        token = issue_token(nsettings, sub=nip or "admin-user", roles=list(roles), nip=nip,
                            ttl_seconds=90 * 24 * 3600)  # the tests move the clock by days
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def cases(worker, org, clock):
    """One case about a member of the DISDUK team, one about someone in another unit."""
    mine = case_event(org.staff[0], clock=clock)
    theirs = case_event(org.outsider, unit="DPM", clock=clock)
    worker.process(batch_of(mine, theirs))
    return mine.payload["case_id"], theirs.payload["case_id"]


DIALOGUE = {"date": "2026-11-24", "notes": "Membahas keluhan warga tentang antrean.",
            "agreed_actions": ["Ikut pelatihan pelayanan prima", "Evaluasi bulanan"], "follow_up": "2026-12-24"}


def test_a_supervisor_sees_only_their_own_team(api, as_, org, cases):
    mine, theirs = cases
    listed = api.get("/api/v1/inbox/cases", headers=as_(org.sup))
    assert listed.status_code == 200
    assert [c["case_id"] for c in listed.json] == [mine]
    assert listed.json[0]["subject_name"] == "Pegawai 0" and listed.json[0]["status"] == "open"
    # a supervisor further up the chain sees it too; the other unit's head sees only theirs
    assert [c["case_id"] for c in api.get("/api/v1/inbox/cases", headers=as_(org.head)).json] == [mine]
    assert [c["case_id"] for c in api.get("/api/v1/inbox/cases", headers=as_(org.other_sup)).json] == [theirs]
    # the employee themself, holding the supervisor role for their own reports, does not see their case
    assert api.get("/api/v1/inbox/cases", headers=as_(org.staff[0])).json == []
    admin = api.get("/api/v1/inbox/cases", headers=as_(None, "admin")).json
    assert {c["case_id"] for c in admin} == {mine, theirs}


def test_a_case_outside_the_team_is_forbidden_and_nothing_is_recorded(api, as_, org, cases):
    _, theirs = cases
    for method, path, body in [("GET", "", None), ("POST", "/acknowledge", {}), ("POST", "/dialogues", DIALOGUE),
                               ("POST", "/resolve", {})]:
        answer = api.open(f"/api/v1/inbox/cases/{theirs}{path}", method=method, json=body, headers=as_(org.sup))
        assert answer.status_code == 403, (path, answer.json)
        assert answer.json["code"] == "forbidden" and answer.json["message_en"] == "This case is not about your team"
    from services.notifier.models import CaseHistoryEntry
    assert CaseHistoryEntry.objects(case_id=theirs).count() == 0
    assert api.get("/api/v1/inbox/cases/no-such-case", headers=as_(org.sup)).status_code == 404


def test_acknowledge_record_dialogue_and_resolve(api, as_, org, cases, nsettings):
    mine, _ = cases
    h = as_(org.sup)
    early = api.post(f"/api/v1/inbox/cases/{mine}/dialogues", json=DIALOGUE, headers=h)
    assert early.status_code == 409 and early.json["code"] == "not_acknowledged"

    ack = api.post(f"/api/v1/inbox/cases/{mine}/acknowledge", json={"level": 0}, headers=h)
    assert ack.status_code == 201 and ack.json["case"]["status"] == "acknowledged"
    again = api.post(f"/api/v1/inbox/cases/{mine}/acknowledge", json={}, headers=h)
    assert again.status_code == 200 and again.json["replayed"] is True
    assert again.json["entry"]["seq"] == ack.json["entry"]["seq"]
    other = api.post(f"/api/v1/inbox/cases/{mine}/acknowledge", json={}, headers=as_(org.boss))
    assert other.status_code == 409 and other.json["code"] == "already_acknowledged"

    no_dialogue = api.post(f"/api/v1/inbox/cases/{mine}/resolve", json={}, headers=h)
    assert no_dialogue.status_code == 409 and no_dialogue.json["code"] == "no_dialogue"

    dialogue = api.post(f"/api/v1/inbox/cases/{mine}/dialogues", json=DIALOGUE, headers=h)
    assert dialogue.status_code == 201
    [recorded] = dialogue.json["case"]["dialogues"]
    assert recorded["agreed_actions"] == DIALOGUE["agreed_actions"] and recorded["follow_up"] == "2026-12-24"

    done = api.post(f"/api/v1/inbox/cases/{mine}/resolve", json={"notes": "Antrean membaik."}, headers=h)
    assert done.status_code == 201
    case = done.json["case"]
    assert case["status"] == "resolved"
    assert case["trend_url"] == f"https://agg.pemda.example/pegawai/{org.staff[0]}?period=2026-10"   # a page
    assert [e["kind"] for e in case["history"]] == ["acknowledged", "dialogue", "resolved"]
    after = api.post(f"/api/v1/inbox/cases/{mine}/dialogues", json=DIALOGUE, headers=h)
    assert after.status_code == 409 and after.json["code"] == "already_resolved"


@pytest.mark.parametrize("body,field", [
    ({"notes": "x"}, "date"),
    ({"date": "24-11-2026", "notes": "x"}, "date"),
    ({"date": "2026-11-24", "notes": ""}, "notes"),
    ({"date": "2026-11-24", "notes": "x", "follow_up": "2026-11-01"}, "follow_up"),
    ({"date": "2026-11-24", "notes": "x", "agreed_actions": "not a list"}, "agreed_actions"),
])
def test_a_bad_dialogue_gets_a_422_naming_the_field(api, as_, org, cases, body, field):
    mine, _ = cases
    api.post(f"/api/v1/inbox/cases/{mine}/acknowledge", json={}, headers=as_(org.sup))
    answer = api.post(f"/api/v1/inbox/cases/{mine}/dialogues", json=body, headers=as_(org.sup))
    assert answer.status_code == 422 and field in answer.json["errors"]
    assert answer.json["message"] == "Data tidak valid"


def test_an_escalated_case_can_be_handled_by_the_new_assignee(api, as_, org, cases, clock, nsettings, sender):
    from services.notifier import scheduler
    mine, _ = cases
    clock.advance(days=3)
    scheduler.tick(nsettings, clock.now(), sender)
    stale = api.post(f"/api/v1/inbox/cases/{mine}/acknowledge", json={"level": 0}, headers=as_(org.sup))
    assert stale.status_code == 409 and stale.json["code"] == "escalated"
    ack = api.post(f"/api/v1/inbox/cases/{mine}/acknowledge", json={"level": 1}, headers=as_(org.boss))
    assert ack.status_code == 201 and ack.json["case"]["assignee_nip"] == org.boss


def test_preferences_are_kept_per_supervisor_and_the_secret_is_never_shown(api, as_, org):
    h = as_(org.sup)
    assert api.get("/api/v1/inbox/preferences", headers=h).json["email"] is True
    put = api.put("/api/v1/inbox/preferences", headers=h, json={
        "email": True, "webhook": True, "webhook_url": "https://hooks.pemda.example/sup",
        "webhook_secret": "a-long-webhook-secret", "quiet_start": "21:00", "quiet_end": "06:30", "digest": True})
    assert put.status_code == 200, put.json
    assert put.json["webhook_secret_set"] is True and "webhook_secret" not in put.json
    assert "a-long-webhook-secret" not in put.text
    kept = api.put("/api/v1/inbox/preferences", headers=h, json={
        "email": False, "webhook": True, "webhook_url": "https://hooks.pemda.example/sup2", "digest": False})
    assert kept.status_code == 200 and kept.json["webhook_secret_set"] is True and kept.json["email"] is False
    other = as_(org.boss)
    no_secret = api.put("/api/v1/inbox/preferences", headers=other, json={"webhook_url": "https://hooks.pemda.example/b"})
    assert no_secret.status_code == 422 and "webhook_secret" in no_secret.json["errors"]
    half = api.put("/api/v1/inbox/preferences", headers=h, json={"quiet_start": "21:00"})
    assert half.status_code == 422 and "quiet_end" in half.json["errors"]
    bad = api.put("/api/v1/inbox/preferences", headers=h, json={"quiet_start": "25:00", "quiet_end": "06:00",
                                                                "webhook_url": "ftp://x"})
    assert bad.status_code == 422 and {"quiet_start", "webhook_url"} <= set(bad.json["errors"])


def test_the_delivery_log_can_be_queried_and_counted(api, as_, org, cases, hooks):
    mine, _theirs = cases
    admin = as_(None, "admin")
    log = api.get("/api/v1/deliveries", query_string={"case_id": mine}, headers=admin)
    assert log.status_code == 200 and log.json["total"] == 3
    assert {d["channel"] for d in log.json["items"]} == {"email", "webhook", "inbox"}
    assert all(d["status"] == "sent" for d in log.json["items"])
    mails = api.get("/api/v1/deliveries", query_string={"channel": "email", "status": "sent"}, headers=admin).json
    assert mails["total"] == 2
    window = api.get("/api/v1/deliveries", query_string={"since": "2030-01-01T00:00:00+00:00"}, headers=admin).json
    assert window["total"] == 0
    stats = api.get("/api/v1/deliveries/stats", headers=admin).json
    assert stats["email"]["sent"] == 2 and stats["webhook"]["sent"] == 2 and stats["inbox"]["sent"] == 2
    assert stats["webhook"]["failed"] == 0 and stats["webhook"]["retried"] == 0
    bad = api.get("/api/v1/deliveries", query_string={"channel": "pigeon", "since": "yesterday"}, headers=admin)
    assert bad.status_code == 422 and {"channel", "since"} <= set(bad.json["errors"])
    assert api.get("/api/v1/deliveries", headers=as_(org.sup)).status_code == 403


def test_the_in_app_notifications_of_a_supervisor(api, as_, org, cases):
    mine, _ = cases
    items = api.get("/api/v1/inbox/notifications", headers=as_(org.sup)).json
    assert [(n["case_id"], n["event"]) for n in items] == [(mine, "opened")]


def test_a_unit_case_belongs_to_the_unit_head_and_those_above(api, as_, org, worker, clock):
    event = case_event("DISDUK", subject_type="unit", rule="unit_ikm_low", clock=clock)
    worker.process(batch_of(event))
    case_id = event.payload["case_id"]
    head = api.get(f"/api/v1/inbox/cases/{case_id}", headers=as_(org.head))
    assert head.status_code == 200 and head.json["assignee_kind"] == "unit_head"
    assert head.json["route_reason"] == "unit case: the unit head" and head.json["trend_url"] is None
    assert api.get(f"/api/v1/inbox/cases/{case_id}", headers=as_(org.sup)).status_code == 403
    assert api.get(f"/api/v1/inbox/cases/{case_id}", headers=as_(org.other_sup)).status_code == 403
