"""The database stopped under load: the survey answers 503 with ``Retry-After`` and the error
body (never 500), ``/readyz`` names the database, and when it is back the same requests are
stored once; nothing accepted is lost. A MongoDB-protocol server of the test's own (the local
FerretDB binary on a free port, on the suite's PostgreSQL), so stopping it touches nothing else."""
from __future__ import annotations

import os
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from infra import ferretdb
from infra import proc as infra_proc
from infra.postgres import Postgres
from tests.support.env import isolated_settings
from tests.support.processes import free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
ANSWERS = {f"U{i}": 3 for i in range(1, 10)}


class OwnDatabase:
    def __init__(self, run_dir):
        self.port = free_port()
        self.pg = Postgres(int(os.environ.get("TANGGAP_PG_PORT", "54320")))
        self.run_dir = run_dir

    def start(self) -> None:
        url = f"{self.pg.url}?pool_max_conns=50"
        self.popen = infra_proc.spawn("ferretdb-outage", [str(ferretdb.BIN), "-listen", f"127.0.0.1:{self.port}",
                                                          "-handler", "postgresql", "-postgresql", url],
                                      marker=str(ferretdb.BIN))
        infra_proc.wait_for_port("FerretDB", "127.0.0.1", self.port, 60, self.popen)

    def kill(self) -> None:
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)


@pytest.fixture
def own_database(tmp_path, monkeypatch, base_settings):
    if not ferretdb.BIN.exists() or not infra_proc.port_open("127.0.0.1", int(os.environ.get("TANGGAP_PG_PORT",
                                                                                               "54320"))):
        pytest.skip("needs the local stack (make test starts it): the FerretDB binary and PostgreSQL")
    monkeypatch.setattr(infra_proc, "RUN", tmp_path / "run")
    monkeypatch.setattr(infra_proc, "LOGS", tmp_path / "log")
    own = OwnDatabase(tmp_path)
    own.start()
    yield own
    if own.popen.poll() is None:
        own.kill()


def test_a_database_outage_is_503_with_retry_after_and_loses_nothing(own_database, processes, base_settings):
    from shared.messaging.topics import ensure_topics
    from shared.platform import db
    from shared.platform.clock import SystemClock
    from shared.records.directory import Unit
    from shared.records.responses import Response

    settings = isolated_settings(base_settings, mongodb_uri=f"mongodb://127.0.0.1:{own_database.port}/",
                                 mongodb_timeout_ms=1500, rate_limit_client=0)
    ensure_topics(settings)
    db.connect(settings)
    Unit.save_revision("OUTAGE", {"name": "Unit outage"}, at=SystemClock().now(), by="test")
    survey = processes(settings).web("survey", workers=2, threads=4)

    def post(rid: str) -> requests.Response:
        return requests.post(f"{survey.url}/api/v1/responses", json={"id": rid, "unit": "OUTAGE", "answers": ANSWERS},
                             timeout=20)

    before = [str(uuid.uuid4()) for _ in range(20)]
    with ThreadPoolExecutor(8) as pool:
        assert [r.status_code for r in pool.map(post, before)] == [201] * 20

    own_database.kill()
    during = [str(uuid.uuid4()) for _ in range(20)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, during))
    assert {r.status_code for r in answers} == {503}                    # never a 500
    assert all(r.headers.get("Retry-After") and r.json()["code"] == "unavailable" and "database" in r.json()["errors"]
               for r in answers)
    ready = requests.get(f"{survey.url}/readyz", timeout=20)
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unreachable"

    own_database.start()
    eventually(lambda: requests.get(f"{survey.url}/readyz", timeout=20).status_code == 200, timeout=60,
               message="the survey did not see the database back")
    with ThreadPoolExecutor(8) as pool:                                  # the clients send again
        assert [r.status_code for r in pool.map(post, during)] == [201] * 20
    db.connect(settings)
    assert Response.objects(unit="OUTAGE").count() == 40
    assert {r.id for r in Response.objects(unit="OUTAGE").only("id")} == set(before) | set(during)
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(settings.mongodb_db)
