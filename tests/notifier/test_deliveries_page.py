"""The delivery log page (admins) through the real database: the deliveries a case made, with
the API's filters and counts per channel; a bad filter is a 422 page; a supervisor gets 403."""
from __future__ import annotations

import re

import pytest

from tests.notifier.conftest import batch_of, case_event, page_client

pytestmark = pytest.mark.integration


def test_an_admin_reads_the_delivery_log_with_filters_and_counts(nsettings, worker, org, clock, smtp):
    from services.notifier import deliveries
    event = case_event(org.staff[0], clock=clock)
    worker.process(batch_of(event))
    total, made = deliveries.query(case_id=event.payload["case_id"])
    assert total >= 2 and {d.channel for d in made} >= {"inbox", "email"}
    admin = page_client(nsettings, clock, "admin-log", ["admin"])
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
    supervisor = page_client(nsettings, clock, "kasi-log", ["supervisor"], org.sup)
    assert supervisor.get("/deliveries").status_code == 403
