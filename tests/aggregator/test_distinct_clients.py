"""Coaching rules about a person need ratings from several distinct clients; a kiosk at the
counter is its trusted channel, reported separately; the dashboard flags bursts. Through the
real survey API, relay, Kafka and aggregator worker."""
from __future__ import annotations

import re
import uuid

import pytest

from shared.platform.auth import issue_token
from shared.records.directory import Employee, Unit
from shared.records.users import WebUser, hash_password

from services.aggregator.coaching.cases import CaseOpening
from services.survey.outbox.relay import Relay
from tests.support.aggregator import WorkerThread, lag, nip
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

LOW = {"U1": 3, "U2": 3, "U3": 3, "U4": 3, "U5": 3, "U6": 1, "U7": 1, "U8": 3, "U9": 3}


def test_cases_about_an_officer_need_distinct_clients_and_bursts_are_flagged(fresh_settings, clock):
    from services.aggregator.app import create_app as aggregator_app
    from services.survey.app import create_app as survey_app

    at = clock.now()
    Unit.save_revision("LOKET", {"name": "Loket Terpadu", "head_nip": nip(200)}, at=at, by="t")
    Employee.save_revision(nip(200), {"name": "Kepala", "unit": "LOKET"}, at=at, by="t")
    for n, name in ((201, "Satu Alamat"), (202, "Banyak Alamat"), (203, "Kios Loket")):
        Employee.save_revision(nip(n), {"name": name, "unit": "LOKET", "supervisor_nip": nip(200)}, at=at, by="t")
    survey = survey_app(fresh_settings, clock).test_client()
    admin = {"Authorization": "Bearer " + issue_token(fresh_settings, sub="admin", roles=["admin"])}
    codes = {}
    for n in (201, 202, 203):
        made = survey.post("/api/v1/deployments", json={"template": "skm", "unit": "LOKET", "officer": nip(n)},
                           headers=admin)
        assert made.status_code == 201, made.json
        codes[n] = made.json["code"]
    kiosk = survey.post("/api/v1/kiosks", json={"device_id": f"kios-{uuid.uuid4().hex[:6]}", "name": "Loket 3",
                                                "deployment": codes[203]}, headers=admin).json

    def rate(n, address, headers=None):
        body = {"id": str(uuid.uuid4()), "answers": LOW}
        if headers is None:
            body["deployment"] = codes[n]
        answer = survey.post("/api/v1/responses", json=body, headers=headers or {},
                             environ_base={"REMOTE_ADDR": address})
        assert answer.status_code == 201, answer.json

    for _ in range(12):
        rate(201, "203.0.113.7")                        # one client, twelve low ratings
    for i in range(12):
        rate(202, f"198.51.100.{i + 1}")                # twelve clients
    for _ in range(12):
        rate(203, "192.0.2.50", {"Authorization": f"Bearer {kiosk['token']}"})   # the counter's kiosk
    assert Relay(fresh_settings).run_once() == 36
    with WorkerThread(fresh_settings, clock) as worker:
        worker.wait_for(36)
        eventually(lambda: lag(fresh_settings) == 0, timeout=30, message="offsets not committed")

    opened = {c.subject: c for c in CaseOpening.objects(rule="officer-low")}
    assert set(opened) == {nip(202), nip(203)}                   # one client cannot open a case about a person
    values = {n: opened[nip(n)].evidence["values"] for n in (202, 203)}
    assert (values[202]["clients"], values[202]["kiosk"]) == (12, 0)
    assert (values[203]["clients"], values[203]["kiosk"]) == (0, 12)

    name = f"eval-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": ["evaluator"]},
                          at=at, by="t")
    pages = aggregator_app(fresh_settings, clock).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', pages.get("/login").text).group(1)
    pages.post("/login", data={"username": name, "password": "rahasia-sekali", "csrf_token": token})
    page = pages.get(f"/dashboard?period={clock.now():%Y-%m}")
    assert page.status_code == 200
    flagged = re.findall(r'data-burst="(\d+)\|([\d-]+)"', page.text)
    assert flagged == [(nip(201), f"{clock.now():%Y-%m-%d}")]            # neither the kiosk nor the twelve clients
    csv = pages.get(f"/dashboard/data/bursts.csv?period={clock.now():%Y-%m}").text
    assert "Satu Alamat" in csv and ",12,1,100" in csv
