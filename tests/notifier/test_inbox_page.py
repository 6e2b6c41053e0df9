"""The inbox page's forms: CSRF, validation messages, and refusals shown on the page."""
from __future__ import annotations

import re

import pytest

from tests.notifier.conftest import batch_of, case_event

pytestmark = pytest.mark.integration


@pytest.fixture
def browser_client(nsettings, clock, org):
    from shared.records.users import WebUser, hash_password

    from services.notifier.app import create_app
    WebUser.save_revision("kasi", {"password_hash": hash_password("rahasia-sekali"), "roles": ["supervisor"],
                                   "nip": org.sup}, at=clock.now(), by="test")
    client = create_app(nsettings, clock).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "kasi", "password": "rahasia-sekali", "csrf_token": token})
    return client


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_forms_need_the_csrf_token(browser_client, worker, org, clock):
    event = case_event(org.staff[0], clock=clock)
    worker.process(batch_of(event))
    case_id = event.payload["case_id"]
    assert browser_client.post(f"/inbox/{case_id}/acknowledge", data={}).status_code == 400
    page = browser_client.get(f"/inbox/{case_id}")
    assert page.status_code == 200 and "Akui kasus" in page.text
    done = browser_client.post(f"/inbox/{case_id}/acknowledge", data={"csrf_token": csrf(page), "level": "0"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/inbox/{case_id}")


def test_a_bad_dialogue_is_shown_again_with_the_problem(browser_client, worker, org, clock):
    event = case_event(org.staff[1], clock=clock)
    worker.process(batch_of(event))
    case_id = event.payload["case_id"]
    page = browser_client.get(f"/inbox/{case_id}")
    browser_client.post(f"/inbox/{case_id}/acknowledge", data={"csrf_token": csrf(page)})
    bad = browser_client.post(f"/inbox/{case_id}/dialogue", data={
        "csrf_token": csrf(page), "date": "2026-11-24", "notes": "Catatan yang disimpan kembali",
        "follow_up": "2026-11-01"})
    assert bad.status_code == 422
    assert "tanggal tindak lanjut harus setelah tanggal dialog" in bad.text
    assert "Catatan yang disimpan kembali" in bad.text                     # what was typed is kept


def test_a_stale_acknowledgement_is_refused_on_the_page(browser_client, worker, org, clock, nsettings, sender):
    from services.notifier import scheduler
    event = case_event(org.staff[2], clock=clock)
    worker.process(batch_of(event))
    case_id = event.payload["case_id"]
    assert 'name="level" value="0"' in browser_client.get(f"/inbox/{case_id}").text
    clock.advance(days=3)
    scheduler.tick(nsettings, clock.now(), sender)                           # escalated meanwhile
    # three days outlive the web session: the supervisor signs in again, the form still says level 0
    login = browser_client.get("/login")
    assert login.status_code == 200
    browser_client.post("/login", data={"username": "kasi", "password": "rahasia-sekali", "csrf_token": csrf(login)})
    page = browser_client.get(f"/inbox/{case_id}")
    refused = browser_client.post(f"/inbox/{case_id}/acknowledge", data={"csrf_token": csrf(page), "level": "0"})
    assert refused.status_code == 409 and "baru saja dieskalasi" in refused.text


def test_another_teams_case_page_is_forbidden(browser_client, worker, org, clock):
    event = case_event(org.outsider, unit="DPM", clock=clock)
    worker.process(batch_of(event))
    assert browser_client.get(f"/inbox/{event.payload['case_id']}").status_code == 403
    assert browser_client.get("/inbox/no-such-case").status_code == 404


def test_a_level_in_other_digits_is_not_a_number(browser_client, worker, org, clock):
    event = case_event(org.staff[2], clock=clock)
    worker.process(batch_of(event))
    case_id = event.payload["case_id"]
    page = browser_client.get(f"/inbox/{case_id}")
    done = browser_client.post(f"/inbox/{case_id}/acknowledge", data={"csrf_token": csrf(page), "level": "²"})
    assert done.status_code in (302, 409, 422)          # "²".isdigit() is true; int("²") is not a number
