"""Rebuild and verify: a full recomputation from the response store or the topic equals the
incremental state; the CLI shows progress, prints differences and repairs the state."""
from __future__ import annotations

import subprocess
import sys

import pytest

from shared.domain import berakhlak as b

from services.aggregator.pipeline import rebuild
from services.aggregator.state import fold, store
from services.survey.outbox.relay import Relay
from tests.support.aggregator import (
    WorkerThread,
    appraisal_event,
    lag,
    nip,
    peer_event,
    publish,
    skm_event,
    store_responses,
)
from tests.support.env import settings_env
from tests.support.processes import ROOT
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def relay_all(settings):
    relay = Relay(settings)
    for _ in range(100):
        if relay.run_once() == 0:
            return


def cli(settings, *args):
    import os
    env = dict(os.environ, **settings_env(settings))
    return subprocess.run([sys.executable, "-m", "services.aggregator", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def folded(fresh_settings, clock):
    """Stored responses published by the relay, plus appraisals, folded by a worker."""
    events = [skm_event(u, v, officer=nip(i % 4), service="S1" if i % 2 else None, period=p)
              for i, (u, v, p) in enumerate([(u, v, p) for u in ("A", "B", "C") for v in (1, 2, 3, 4)
                                             for p in ("2026-10", "2026-11")])]
    events += [peer_event(nip(i % 3), f"r{i}", (i % 4) + 1, relation="self" if i == 5 else "peer") for i in range(12)]
    store_responses(fresh_settings, events)
    relay_all(fresh_settings)
    appraisals = [appraisal_event(nip(0), "2026", b.SESUAI), appraisal_event(nip(0), "2026", b.DI_ATAS)]
    publish(fresh_settings, appraisals)
    with WorkerThread(fresh_settings, clock) as w:
        w.wait_for(len(events) + len(appraisals))
        eventually(lambda: lag(fresh_settings) == 0, timeout=30, message="offsets not committed")
    return fresh_settings


def test_recomputation_from_the_store_and_from_the_topic_equals_the_incremental_state(folded):
    from_store = rebuild.from_store(folded)
    assert from_store.events == 24 + 12 and from_store.skipped == 0
    assert rebuild.differences(rebuild.incremental(folded, rebuild.STORE_KINDS), from_store) == []
    from_topic = rebuild.from_topic(folded)
    assert from_topic.events == 24 + 12 + 2
    assert rebuild.differences(rebuild.incremental(folded, rebuild.ALL_KINDS), from_topic) == []


def test_verify_prints_differences_and_rebuild_repairs_them(folded):
    ok = cli(folded, "verify", "--from", "store")
    assert ok.returncode == 0, ok.stderr
    assert "equal:" in ok.stdout and "recomputing from the store" in ok.stderr
    # Damage the state: a count that is off, and a document that should not exist.
    doc = store.collection().find_one({"kind": fold.SKM, "scope": "A"})
    store.collection().update_one({"_id": doc["_id"]}, {"$set": {"unit.respondents": 99}})
    stray = dict(doc, _id=doc["_id"].replace("|A|", "|ZZ|"), scope="ZZ")
    store.collection().insert_one(stray)
    bad = cli(folded, "verify", "--from", "topic")
    assert bad.returncode == 1
    assert f"differs: {doc['_id']}: unit" in bad.stdout and f"not in the recomputation: {stray['_id']}" in bad.stdout
    fixed = cli(folded, "rebuild", "--from", "topic")
    assert fixed.returncode == 0, fixed.stderr
    assert "1 stale removed" in fixed.stdout and "writing state" in fixed.stderr
    assert cli(folded, "verify", "--from", "topic").returncode == 0


def test_rebuild_from_the_store_keeps_appraisal_state(folded):
    before = list(store.collection().find({"kind": fold.APPRAISAL}))
    result = cli(folded, "rebuild", "--from", "store")
    assert result.returncode == 0, result.stderr
    assert list(store.collection().find({"kind": fold.APPRAISAL})) == before and before[0]["hasil_kerja"] == b.DI_ATAS
    assert cli(folded, "verify", "--from", "topic").returncode == 0
