"""Did coaching help? The effect of cases, per rule and per supervisor: the pure computation
by hand, and a unit case opened and closed by the real worker on the real database, read
through the API."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.aggregator.coaching.effect import CaseRecord, effect

pytestmark = pytest.mark.integration


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 3, tzinfo=UTC)


def test_coaching_effect_by_hand():
    cases = [CaseRecord("a", "officer-low", "officer_low", "A", at(1), at(11), 60.0, 80.0, "S1"),
             CaseRecord("b", "officer-low", "officer_low", "B", at(2), at(5), 70.0, 78.25, "S1"),
             CaseRecord("b2", "officer-low", "officer_low", "B", at(20), None, 65.0, None, "S1"),
             CaseRecord("c", "officer-low", "officer_low", "C", at(3), None, 50.0, None, "S2"),
             CaseRecord("u", "unit-ikm-low", "unit_ikm_low", "U", at(4), at(6), 70.0, 80.0, None)]
    got = effect(cases, cases, "Asia/Jakarta")
    officer = got["rules"][0]
    # 4 officer cases, 2 recovered (10 and 3 days: median 6.5), B came back on the 20th, changes +20 and +8.25
    assert (officer["rule"], officer["cases"], officer["recovered"], officer["recovered_percent"]) == (
        "officer-low", 4, 2, 50.0)
    assert officer["median_days_to_recovery"] == 6.5
    assert (officer["came_back"], officer["came_back_percent"]) == (1, 50.0)
    assert officer["mean_change"] == 14.13 and officer["changes"] == 2      # (20 + 8.25) / 2 = 14.125, half-up
    assert [(s["supervisor"], s["cases"]) for s in got["supervisors"]] == [(None, 1), ("S1", 3), ("S2", 1)]
    assert got["total"]["cases"] == 5 and got["total"]["recovered"] == 3


def test_coaching_effect_of_a_unit_case_the_worker_opened_and_closed(fresh_settings):
    from shared.platform.auth import issue_token
    from shared.platform.clock import ManualClock
    from shared.records.directory import Unit

    from services.aggregator.app import create_app
    from services.aggregator.pipeline.worker import IndicatorWorker
    from tests.notifier.conftest import batch_of
    from tests.support.aggregator import skm_event

    clock = ManualClock(at(10))
    Unit.save_revision("PUSK", {"name": "Puskesmas"}, at=clock.now(), by="t")
    worker = IndicatorWorker(fresh_settings, clock=clock)
    worker.handle(batch_of(*[skm_event("PUSK", 1) for _ in range(30)], topic="responses"))       # IKM 25: grade D
    clock.set(at(13))
    worker.handle(batch_of(*[skm_event("PUSK", 4) for _ in range(200)], topic="responses", partition=1))
    token = issue_token(fresh_settings, sub="ev", roles=["evaluator"], ttl_seconds=90 * 86400)
    client = create_app(fresh_settings, clock).test_client()
    got = client.get("/api/v1/cases/effect?period=2026-11", headers={"Authorization": f"Bearer {token}"}).json
    [unit] = [r for r in got["rules"] if r["rule"] == "unit-ikm-low"]
    # (30 x 1 + 200 x 4) / 230 per unsur = 3.6087 -> IKM 90.22; opened at 25.0, closed three days later
    assert (unit["cases"], unit["recovered"], unit["median_days_to_recovery"]) == (1, 1, 3.0)
    assert unit["mean_change"] == 65.22 and unit["came_back"] == 0
    assert client.get("/api/v1/cases/effect", headers={"Authorization": "Bearer " + issue_token(
        fresh_settings, sub="s", roles=["supervisor"], nip="199001012015011001")}).status_code == 403
