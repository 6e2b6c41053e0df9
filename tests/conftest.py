"""Fixtures shared by the suite, and its one rule about kinds.

Tests live by what they test (``tests/<service>/``, ``tests/shared/``, ``tests/system/`` for
what crosses services, ``tests/bench/``); every test module says its kind with exactly one
marker: ``unit`` (no server), ``integration`` (the real Kafka broker and database),
``browser`` (Debian's chromium through Playwright) or ``race`` (many processes or threads at
once). ``make test PYTEST_ARGS='-m unit'`` runs one kind.

Integration fixtures talk to the real Kafka broker and MongoDB-protocol server named by
``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` (``make test`` starts them and sets both).
Each test session gets its own database and topic prefix.
"""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.platform.clock import ManualClock
from shared.platform.config import Settings

from tests.support.env import isolated_settings
from tests.support.processes import Services

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
KINDS = ("unit", "integration", "browser", "race")


def pytest_collection_modifyitems(config, items):
    """Every test has exactly one kind (see the module doc): refuse to run otherwise."""
    wrong = [item.nodeid for item in items if sum(item.get_closest_marker(k) is not None for k in KINDS) != 1]
    if wrong:
        raise pytest.UsageError(f"tests without exactly one of the markers {', '.join(KINDS)}: {wrong[:10]}")


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    missing = [v for v in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI") if not os.environ.get(v)]
    if missing:
        pytest.exit(f"{' and '.join(missing)} not set: run the suite with `make test`, which starts Kafka and "
                    "the database", returncode=2)
    return Settings.from_env()


@pytest.fixture(scope="session")
def settings(base_settings) -> Settings:
    """Settings with a database and topics of this session's own, created and connected."""
    from shared.messaging.topics import ensure_topics
    from shared.platform import db

    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    yield settings
    _drop(settings)


@pytest.fixture(autouse=True)
def _session_database(request):
    """Tests run against the session's database unless they ask for a fresh one."""
    if "settings" in request.fixturenames and "fresh_settings" not in request.fixturenames:
        from shared.platform import db
        db.connect(request.getfixturevalue("settings"))


@pytest.fixture
def fresh_settings(base_settings) -> Settings:
    """A database and topics of this test's own (for tests that count everything)."""
    from shared.messaging.topics import ensure_topics
    from shared.platform import db

    settings = isolated_settings(base_settings)
    ensure_topics(settings)
    db.connect(settings)
    yield settings
    _drop(settings)


def _drop(settings: Settings) -> None:
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(settings.mongodb_db)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def tokens(settings):
    """tokens("admin") -> headers with a bearer token for those roles."""
    from shared.platform.auth import issue_token

    def make(*roles: str, nip: str | None = None, unit: str | None = None, sub: str | None = None,
             ttl: int | None = None) -> dict:
        token = issue_token(settings, sub=sub or nip or unit or "-".join(roles), roles=list(roles), nip=nip,
                            unit=unit, ttl_seconds=ttl)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def survey_app(settings, clock):
    from services.survey.app import create_app
    return create_app(settings, clock)


@pytest.fixture
def survey(survey_app):
    return survey_app.test_client()


@pytest.fixture
def aggregator_app(settings, clock):
    from services.aggregator.app import create_app
    return create_app(settings, clock)


@pytest.fixture
def aggregator(aggregator_app):
    return aggregator_app.test_client()


@pytest.fixture
def notifier_app(settings, clock):
    from services.notifier.app import create_app
    return create_app(settings, clock)


@pytest.fixture
def notifier(notifier_app):
    return notifier_app.test_client()


@pytest.fixture
def processes(request, tmp_path_factory):
    """processes(settings) -> Services that are all stopped after the test."""
    started: list[Services] = []

    def make(settings: Settings, **extra_env) -> Services:
        log_dir = ARTIFACTS / "logs" / request.node.name
        services = Services(settings, log_dir, extra_env)
        started.append(services)
        return services

    yield make
    for services in started:
        services.stop_all()
