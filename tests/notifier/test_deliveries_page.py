"""The delivery log page (admins) through the real database: the deliveries a case made, with
the API's filters and counts per channel; a bad filter is a 422 page; a supervisor gets 403."""
from __future__ import annotations

import re

import pytest

from tests.notifier.conftest import batch_of, case_event

pytestmark = pytest.mark.integration


def _client(nsettings, clock, username: str, roles: list[str], nip: str | None = None):
    from shared.records.users import WebUser, hash_password

    from services.notifier.app import create_app
    WebUser.save_revision(username, {"password_hash": hash_password("rahasia-sekali"), "roles": roles, "nip": nip},
                          at=clock.now(), by="test")
    client = create_app(nsettings, clock).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": "rahasia-sekali", "csrf_token": token})
    return client


def test_an_admin_reads_the_delivery_log_with_filters_and_counts(nsettings, worker, org, clock, smtp):
    from services.notifier import deliveries
    event = case_event(org.staff[0], clock=clock)
    worker.process(batch_of(event))
    total, made = deliveries.query(case_id=event.payload["case_id"])
    assert total >= 2 and {d.channel for d in made} >= {"inbox", "email"}
    admin = _client(nsettings, clock, "admin-log", ["admin"])
    page = admin.get("/deliveries").text
    for d in made:
        assert f'data-delivery="{d.key}"' in page
    stats = deliveries.stats()
    shown = re.search(r'<tr data-channel="email">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'data-field="sent">(\d+)<', shown).group(1) == str(stats["email"]["sent"])
    emails = admin.get("/deliveries?channel=email").text
    assert all(f'data-delivery="{d.key}"' in emails for d in made if d.channel == "email")
    assert not any(f'data-delivery="{d.key}"' in emails for d in made if d.channel != "email")
    assert "WIB" in page and event.payload["case_id"] in page
    assert admin.get("/deliveries?status=nope").status_code == 422
    assert admin.get("/deliveries?offset=-1").status_code == 422
    supervisor = _client(nsettings, clock, "kasi-log", ["supervisor"], org.sup)
    assert supervisor.get("/deliveries").status_code == 403
