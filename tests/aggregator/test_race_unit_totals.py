"""200 distinct submissions to one unit from 32 concurrent clients, through real gunicorn, the
relay, Kafka and the aggregator worker: the unit's totals are exactly those 200 responses."""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import requests

from shared.domain import skm
from shared.platform.clock import SystemClock
from shared.records.directory import Unit
from shared.records.responses import Response

from services.aggregator.pipeline import rebuild
from services.aggregator.queries import reports
from tests.support.aggregator import lag
from tests.support.waiting import eventually

pytestmark = pytest.mark.race


def test_concurrent_distinct_submissions_count_exactly_once(fresh_settings, processes):
    settings = replace(fresh_settings, rate_limit_client=0)
    Unit.save_revision("RACE-UNIT", {"name": "Race"}, at=SystemClock().now(), by="t")
    services = processes(settings)
    survey = services.web("survey", workers=2, threads=8)
    aggregator = services.web("aggregator")
    services.relay()
    services.aggregator_worker()

    rng = random.Random(200)
    bodies = [{"unit": "RACE-UNIT", "answers": {c: rng.randint(1, 4) for c in skm.UNSUR_CODES if rng.random() < .9}
               or {"U1": 2}} for _ in range(200)]
    barrier = threading.Barrier(32)
    local = threading.local()

    def client(index):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            barrier.wait()
        r = local.session.post(f"{survey.url}/api/v1/responses", json=bodies[index], timeout=60)
        return r.status_code, r.json().get("period")

    with ThreadPoolExecutor(max_workers=32) as pool:
        replies = list(pool.map(client, range(200)))
    assert [status for status, _ in replies] == [201] * 200
    period = replies[0][1]

    eventually(lambda: Response.objects(published=False).count() == 0, timeout=120, message="relay lagging")
    eventually(lambda: lag(settings) == 0, timeout=120, message="aggregator lagging")

    expected = skm.Totals()
    for body in bodies:
        expected.add(body["answers"])
    (unit,) = reports.units(period, "RACE-UNIT")
    assert unit["respondents"] == 200
    api = requests.get(f"{aggregator.url}/api/v1/public/units/RACE-UNIT", params={"period": period}, timeout=10).json()
    assert api["respondents"] == 200
    assert api["nrr"] == {c: (round(expected.sums[c] / expected.counts[c], 4) if expected.counts.get(c) else None)
                          for c in skm.UNSUR_CODES}
    # ... and the incremental state equals a recomputation from the stored responses.
    assert Response.objects(unit="RACE-UNIT").count() == 200
    recomputed = rebuild.from_store(settings)
    assert recomputed.events == 200
    assert rebuild.differences(rebuild.incremental(settings, rebuild.STORE_KINDS), recomputed) == []
