"""An employee's own coaching record through the real database: the case about them with the
dialogue their supervisor recorded (notes, agreed actions, follow-up), read only; nobody else's
case; a login that is not an employee's gets 403."""
from __future__ import annotations

import pytest

from tests.notifier.conftest import batch_of, case_event, page_client
from tests.notifier.test_inbox_page import browser_client, csrf  # noqa: F401  (the supervisor's fixture)

pytestmark = pytest.mark.integration


def test_an_employee_reads_their_own_coaching_record_and_nobody_elses(browser_client, nsettings, worker, org,  # noqa: F811
                                                                     clock):
    event = case_event(org.staff[4], clock=clock)
    worker.process(batch_of(event))
    case_id = event.payload["case_id"]
    page = browser_client.get(f"/inbox/{case_id}")
    browser_client.post(f"/inbox/{case_id}/acknowledge", data={"csrf_token": csrf(page)})
    browser_client.post(f"/inbox/{case_id}/dialogue", data={
        "csrf_token": csrf(page), "date": "2026-11-24", "notes": "Membahas antrean loket pagi",
        "agreed_actions": "Ikut pelatihan pelayanan prima\nDatang 07.30", "follow_up": "2026-12-24"})
    me = page_client(nsettings, clock, "pegawai.empat", ["employee"], org.staff[4])
    record = me.get("/me/pembinaan")
    assert record.status_code == 200
    for shown in ("Membahas antrean loket pagi", "Ikut pelatihan pelayanan prima", "Datang 07.30", "2026-12-24"):
        assert shown in record.text
    assert "<form" not in record.text.split("<main", 1)[1]             # read only: the supervisor writes it
    colleague = page_client(nsettings, clock, "pegawai.lima", ["employee"], org.staff[5])
    theirs = colleague.get("/me/pembinaan").text
    assert 'id="no-cases"' in theirs and "Membahas antrean loket pagi" not in theirs
    assert colleague.get(f"/inbox/{case_id}").status_code == 403        # the inbox stays the supervisor's
    assert page_client(nsettings, clock, "tanpa.nip", ["employee"], None).get("/me/pembinaan").status_code == 403
    boss = page_client(nsettings, clock, "kasi.sendiri", ["supervisor"], org.sup)     # a supervisor's own record too
    assert boss.get("/me/pembinaan").status_code == 200


def test_the_inbox_link_of_a_quarters_case_opens_its_last_month():
    from services.notifier.inbox import _month_of_case
    assert _month_of_case("2026-Q4") == "2026-12" and _month_of_case("2026-11") == "2026-11"
    assert _month_of_case("2026-13") is None and _month_of_case("2026") is None and _month_of_case(None) is None
