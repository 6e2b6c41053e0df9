"""Perilaku through the real import API, Kafka and the worker: a failing core value is not
averaged away, and the rater's imported perilaku takes precedence over peer feedback."""
from __future__ import annotations

import pytest

from shared.domain import berakhlak as b
from shared.platform.auth import issue_token
from shared.records.directory import Employee, Unit

from tests.support.aggregator import WorkerThread, lag, nip, peer_event, publish
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def test_perilaku_from_peers_and_from_the_rater(fresh_settings, clock):
    from services.aggregator.app import create_app

    at = clock.now()
    Unit.save_revision("DISDUK", {"name": "Disdukcapil"}, at=at, by="t")
    for n in (1, 2):
        Employee.save_revision(nip(n), {"name": f"Pegawai {n}", "unit": "DISDUK"}, at=at, by="t")
    failing_ak = {c: (1 if c == "AK" else 5) for c in b.VALUE_CODES}       # mean 4.43, Akuntabel 1.0
    events = [peer_event(nip(1), r, failing_ak, period=m) for r, m in zip("abc", ("2026-10", "2026-11", "2026-12"))]
    events += [peer_event(nip(2), r, 5, period="2026-11") for r in "abc"]
    publish(fresh_settings, events)
    client = create_app(fresh_settings, clock).test_client()
    auth = {"Authorization": "Bearer " + issue_token(fresh_settings, sub="ev", roles=["evaluator"])}
    body = f"nip,period,hasil_kerja,perilaku\n{nip(1)},2026-Q4,di_atas,\n{nip(2)},2026-Q4,di_atas,Di Bawah Ekspektasi\n"
    imported = client.post("/api/v1/appraisals/import", data=body, content_type="text/csv", headers=auth)
    assert imported.status_code == 200, imported.json
    assert [i["perilaku"] for i in imported.json["items"]] == [None, b.DI_BAWAH]
    with WorkerThread(fresh_settings, clock) as worker:
        worker.wait_for(len(events) + 2)
        eventually(lambda: lag(fresh_settings) == 0, timeout=30, message="offsets not committed")
    rows = {r["nip"]: r for r in client.get("/api/v1/indicators/predikat?period=2026-Q4", headers=auth).json["items"]}
    assert rows[nip(1)]["perilaku"] == b.SESUAI and rows[nip(1)]["perilaku_source"] == "peer"
    assert rows[nip(1)]["predikat"] == b.BAIK                                  # not Sangat Baik
    assert rows[nip(2)]["perilaku"] == b.DI_BAWAH and rows[nip(2)]["perilaku_source"] == "appraisal"
    assert rows[nip(2)]["predikat"] == b.KURANG                                # peers said Di Atas; the rater decides
    peer = {r["nip"]: r for r in client.get("/api/v1/indicators/peer?period=2026-Q4", headers=auth).json["items"]}
    assert "AK" in peer[nip(1)]["perilaku_reason"]["values"]
    bad = client.post("/api/v1/appraisals/import", content_type="text/csv", headers=auth,
                      data=f"nip,period,hasil_kerja,perilaku\n{nip(1)},2026,sesuai,great\n")
    assert bad.status_code == 422 and "2.perilaku" in bad.json["errors"]
