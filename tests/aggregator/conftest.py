"""A small regency for the aggregator's pages: units, services, employees with distinctive
names, citizens' responses over three months (with comments), peer feedback and a coaching
case, all folded by a real worker from real Kafka events. Built once per module."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from shared.messaging.topics import ensure_topics
from shared.platform.clock import ManualClock

from tests.support.aggregator import WorkerThread, lag, nip, peer_event, publish, response_doc, skm_event
from tests.support.env import isolated_settings
from tests.support.waiting import eventually

PASSWORD = "rahasia-sekali-2026"


@dataclass(frozen=True)
class World:
    settings: object
    clock: ManualClock
    people: dict[str, str]          # NIP -> name: nobody's name or NIP may reach a public page
    low_officer: str
    released: str
    withheld: str


NAMES = {nip(501): "Raden Ajeng Wulansari Kusumawardhani", nip(502): "Bonifasius Tjahjadiningrat",
         nip(503): "Yohana Parapattiratu", nip(504): "Sutanto Wiryokusumo", nip(505): "Marlina Simatupangwati",
         nip(506): "Kepala Dinas Suryaningrat"}
COMMENTS = ["Antrean di loket KTP terlalu lama, mohon ditambah petugas.", "<script>alert('x')</script> toilet kotor",
            "=HYPERLINK(\"http://contoh.invalid\",\"klik\")", "Pelayanan ramah sekali 👍 terima kasih"]


@pytest.fixture(scope="module")
def world(base_settings):
    from shared.platform import db
    from shared.records.directory import Employee, Service, Unit
    from shared.records.responses import Response
    from shared.records.users import WebUser, hash_password

    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    clock = ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    at = clock.now()
    head, low, good, released, withheld, other = sorted(NAMES)[5], *sorted(NAMES)[:5]
    Unit.save_revision("DISDUK", {"name": "Dinas Kependudukan dan Pencatatan Sipil", "name_en": "Civil Registry Office",
                                  "head_nip": head}, at=at, by="test")
    Unit.save_revision("RSUD", {"name": "Rumah Sakit Umum Daerah", "name_en": "Regional Hospital"}, at=at, by="test")
    Unit.save_revision("KEC-SUKAMAJU", {"name": "Kecamatan Sukamaju", "name_en": "Sukamaju District"}, at=at, by="test")
    for code, name in (("KTP", "Kartu Tanda Penduduk"), ("KK", "Kartu Keluarga")):
        Service.save_revision(Service.ref_of("DISDUK", code), {"unit": "DISDUK", "code": code, "name": name}, at=at,
                              by="test")
    for who, name in NAMES.items():
        Employee.save_revision(who, {"name": name, "unit": "DISDUK" if who != other else "RSUD",
                                     "supervisor_nip": None if who == head else head}, at=at, by="test")
    for username, roles, who in (("tim.evaluasi", ["evaluator"], None), ("admin.pemda", ["admin"], None),
                                 ("kasi.layanan", ["supervisor"], head)):
        WebUser.save_revision(username, {"password_hash": hash_password(PASSWORD), "roles": roles, "nip": who},
                              at=at, by="test")

    events = [skm_event("DISDUK", 2, officer=low, service="KTP") for _ in range(12)]
    events += [skm_event("DISDUK", 4, officer=good, service="KK") for _ in range(6)]
    events += [skm_event("DISDUK", {"U1": 3, "U2": 4, "U3": 2, "U9": 3}, service="KTP")]
    events += [skm_event("RSUD", 3, officer=other) for _ in range(4)] + [skm_event("RSUD", 4)]
    events += [skm_event("DISDUK", 4, period="2026-10") for _ in range(3)]
    events += [skm_event("RSUD", 2, period="2026-09") for _ in range(2)]
    events += [peer_event(released, r, 4) for r in "abc"] + [peer_event(withheld, r, 2) for r in "ab"]
    publish(settings, events)
    docs = []
    rsud = next(e for e in events if e.payload["unit"] == "RSUD")
    for event, comment in zip(events[12:15] + [rsud], COMMENTS):
        doc = response_doc(settings, event)
        doc.comment = comment
        docs.append(doc.to_mongo().to_dict())
    Response._get_collection().insert_many(docs)
    with WorkerThread(settings, clock) as w:
        w.wait_for(len(events))
        eventually(lambda: lag(settings) == 0, timeout=30, message="offsets not committed")
    yield World(settings, clock, dict(NAMES), low, released, withheld)
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri) as client:
        client.drop_database(settings.mongodb_db)


@pytest.fixture(autouse=True)
def _world_database(world):
    from shared.platform import db
    db.connect(world.settings)


@pytest.fixture
def app(world):
    from services.aggregator.app import create_app
    return create_app(world.settings, world.clock)


@pytest.fixture
def api(app, world):
    """GET an API path as an evaluator; returns the JSON body."""
    from shared.platform.auth import issue_token
    client = app.test_client()
    headers = {"Authorization": f"Bearer {issue_token(world.settings, sub='api-evaluator', roles=['evaluator'])}"}

    def get(path: str):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json

    get.headers = headers
    get.client = client
    return get


def csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def log_in(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client.get("/login").text)})


@pytest.fixture
def evaluator(app):
    client = app.test_client()
    assert log_in(client, "tim.evaluasi").status_code == 302
    return client


def unique_user() -> str:
    return f"u-{uuid.uuid4().hex[:8]}"
