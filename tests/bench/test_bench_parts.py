"""The pure parts of the benchmarks (bench/): statistics, the synthetic events, matching
acceptances to what the indicators API showed, and the report. No timings are asserted."""
from __future__ import annotations

import json

import pytest

from shared.contracts import payloads
from shared.contracts.events import decode

from bench import dataset, latency, profiling, report
from bench.common import percentile, ratio, summary

pytestmark = pytest.mark.unit


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([], 50) is None
    assert percentile([7], 99) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 0, 5], 100) == 10.0
    assert percentile(range(101), 95) == 95.0


def test_summary_and_ratio():
    s = summary([0.2, 0.1, 0.4, 0.3])
    assert s["n"] == 4 and s["max"] == 0.4 and s["p50"] == pytest.approx(0.25)
    assert ratio(50, 200) == 0.25
    assert ratio(None, 10) is None and ratio(5, 0) is None


def test_synthetic_events_are_valid_envelopes_spread_over_the_year():
    org = dataset.make_org()
    assert len(org.units) == 200 and len(set(org.employees)) == 10_000
    pairs = list(dataset.events(org, 1200, seed=3))
    events = [decode(value) for _, value in pairs]
    assert all(e.type == payloads.SKM_RESPONSE for e in events)
    assert {e.payload["period"] for e in events} == set(dataset.months())
    assert all(key.decode() == e.payload["unit"] == e.key for (key, _), e in zip(pairs, events))
    assert all(org.unit_of(org.employees.index(e.payload["officer"])) == e.payload["unit"] for e in events[:50])
    # The payload generator makes the same responses without JSON.
    assert [e.payload for e in events] == list(dataset.payloads(org, 1200, seed=3))


def test_visible_latency_matches_the_kth_acceptance_to_the_first_count_of_k():
    accepted = {"A": [1.0, 2.0], "B": [1.5]}
    seen = [(1.2, {"A": 0}), (1.8, {"A": 1, "B": 0}), (2.6, {"A": 2, "B": 1})]
    times, never = latency.visible_latencies(accepted, seen)
    assert sorted(round(t, 2) for t in times) == [0.6, 0.8, 1.1]
    assert never == 0
    assert latency.visible_latencies({"A": [1.0, 2.0, 3.0]}, seen)[1] == 1


def test_schedule_gives_every_low_officer_exactly_the_rule_minimum():
    normal = [("N1", "LAT-A", "1" * 18)]
    low = [(f"L{i}", "LAT-C", str(i) * 18) for i in range(3)]
    plan = latency.schedule(normal, low, rate=5, seconds=20)
    assert len(plan) == 100
    lows = [job for job in plan if job[-1]]
    assert len(lows) == 3 * latency.MIN_RESPONSES
    assert {job[1] for job in lows} == {"L0", "L1", "L2"}
    assert max(job[0] for job in lows) <= 0.8 * 20


def test_profile_buckets():
    assert profiling.bucket_of("/x/site-packages/pymongo/network.py", "receive_message").startswith("database")
    assert profiling.bucket_of("~", "<method 'recv_into' of '_socket.socket' objects>").startswith("sockets")
    assert profiling.bucket_of("/w/services/aggregator/state.py", "apply").startswith("Tanggap")


def _results():
    machine = {"when": "2026-11-23T00:00:00+00:00", "cpu": "CPU", "cores": 2, "ram_gb": 4.0, "os": "Linux",
               "python": "3.11", "kafka": "4.3.1", "kafka_python": "3.0.12", "database": "FerretDB",
               "load_average_start": (1.0, 1.0, 1.0)}
    stage = lambda n, ms: {"responses": n, "raw_stored": n, "state_docs": 10, "state_mb": 1.0,  # noqa: E731
                           "queries": {"q": {"median_ms": ms, "errors": []}}, "check": {"api": 1, "expected": 1}}
    return {"machine": machine, "wall_s": 10,
            "intake": {"error": "RuntimeError: wrk missing"},
            "queries": {"calls": 3, "queries": {"q": "/q"}, "stages": [stage(10, 100.0), stage(100, 150.0)],
                        "growth_largest_vs_smallest": {"q": 1.5}}}


def test_summary_states_failures_and_targets():
    text = report.summary_md(_results(), images=False)
    assert "Failed: RuntimeError: wrk missing" in text
    assert "| q | 100 ms | 150 ms | 1.5x |" in text
    assert "within 2x of 10k: met" in text
    assert "#### 2. Aggregation" in text and "not run" in text
    assert "![" not in text


def test_readme_section_is_replaced_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_START}\nold\n{report.README_END}\nafter\n")
    assert report.update_readme("new summary\n", readme)
    assert readme.read_text() == f"intro\n{report.README_START}\nnew summary\n{report.README_END}\nafter\n"
    plain = tmp_path / "other.md"
    plain.write_text("no markers")
    assert not report.update_readme("x", plain)


def test_results_are_json(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    path = report.write_json(_results(), "stamp")
    assert json.loads(path.read_text())["wall_s"] == 10
    assert (tmp_path / "latest.json").exists()
