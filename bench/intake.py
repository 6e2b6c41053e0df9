"""Intake: wrk POSTing citizen responses to the survey service vs a bare Flask endpoint.

Both run under the shipped gunicorn settings (WEB_CONCURRENCY workers x WEB_THREADS
threads) in the same run, interleaved (baseline, survey, baseline, survey) so that a noisy
neighbour hurts both alike. Rate limits are off (0) for the run. The survey submissions go
to a deployment (unit, service and officer, like a QR code at a counter), each a new
response (no client id), so every request stores a document with its outbox event.
"""
from __future__ import annotations

import cProfile
import json
import logging
import re
import subprocess
import time

import requests

from bench.common import LOGS, RESULTS, admin_headers, gunicorn, ratio, say
from bench.profiling import breakdown, phases

ANSWERS = {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 3, "U9": 3}
CONNECTIONS = 16
WRK_THREADS = 1

LUA = """
wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"mean_us": %%.1f}\\n', summary.requests, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
"""


def ensure_wrk() -> str:
    from infra.proc import InfraError
    from infra.system import ensure_command
    try:
        return ensure_command("wrk", "wrk", "the intake benchmark's HTTP load generator")
    except InfraError as exc:
        raise RuntimeError(f"wrk is needed for the intake benchmark: {exc}") from None


def seed(base_url: str, settings) -> dict:
    """A unit, a service, an officer and a deployment placed at that officer's counter."""
    h = admin_headers(settings)
    calls = [("/api/v1/units", {"code": "BENCH", "name": "Dinas Bench"}),
             ("/api/v1/services", {"unit": "BENCH", "code": "KTP", "name": "Perekaman KTP-el"}),
             ("/api/v1/employees", {"nip": "198501012010011001", "name": "Petugas", "unit": "BENCH"})]
    for path, body in calls:
        r = requests.post(base_url + path, json=body, headers=h, timeout=30)
        if r.status_code not in (200, 201):
            raise RuntimeError(f"seeding {path}: {r.status_code} {r.text[:300]}")
    r = requests.post(base_url + "/api/v1/deployments", json={"template": "skm", "unit": "BENCH", "service": "KTP",
                                                              "officer": "198501012010011001"}, headers=h, timeout=30)
    if r.status_code != 201:
        raise RuntimeError(f"creating the deployment: {r.status_code} {r.text[:300]}")
    return {"deployment": r.json()["code"], "answers": ANSWERS}


def run_wrk(wrk: str, url: str, body: dict, seconds: int, name: str) -> dict:
    script = LOGS / f"wrk-{name}.lua"
    LOGS.mkdir(parents=True, exist_ok=True)
    script.write_text(LUA % json.dumps(body))
    argv = [wrk, f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    found = re.search(r"^BENCH (\{.*\})$", out.stdout, re.M)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    raw = json.loads(found.group(1))
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {"requests": raw["requests"], "seconds": raw["duration_us"] / 1e6,
            "rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "mean_ms": raw["mean_us"] / 1000,
            "errors": errors, "non_2xx": raw["status"], "socket_errors": errors - raw["status"]}


def combine(runs: list[dict]) -> dict:
    """Rounds of one target: requests/s over all rounds, the worse percentile of any round."""
    requests_, seconds = sum(r["requests"] for r in runs), sum(r["seconds"] for r in runs)
    return {"rps": requests_ / seconds, "requests": requests_, "seconds": seconds,
            "p50_ms": sorted(r["p50_ms"] for r in runs)[len(runs) // 2],
            "p99_ms": max(r["p99_ms"] for r in runs), "errors": sum(r["errors"] for r in runs),
            "rounds": runs}


def profile_intake(settings, body: dict, n: int = 300) -> dict:
    """cProfile of ``n`` submissions through the survey app in this process (Flask test client)."""
    from services.survey.app import create_app
    app = create_app(settings)
    logging.getLogger("kafka").setLevel(logging.ERROR)  # create_app set up the service's logging here
    client = app.test_client()
    client.post("/api/v1/responses", json=body)  # warm caches
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    for _ in range(n):
        client.post("/api/v1/responses", json=body)
    prof.disable()
    elapsed = time.perf_counter() - started
    prof.dump_stats(str(RESULTS / "intake.prof"))
    import pstats
    stats = pstats.Stats(prof)
    out = breakdown(stats)
    out["requests"] = n
    out["per_request_ms"] = elapsed / n * 1000
    out["phases_s"] = phases(stats, {
        "whole request": ("werkzeug/test.py", "open"),
        "submit (lookups, checks, build, insert)": ("services/survey/citizen.py", "submit"),
        "insert of the response (store)": ("services/survey/intake.py", "store"),
        "directory and deployment lookups (revision heads)": ("shared/revisions.py", "head"),
        "building the document and event": ("services/survey/intake.py", "citizen_response"),
    })
    return out


def run(settings, seconds: int = 10, rounds: int = 2, warmup: int = 2) -> dict:
    wrk = ensure_wrk()
    say("intake: starting the survey service and the bare Flask baseline under the shipped gunicorn settings")
    survey = gunicorn("intake-survey", "services.survey.app:create_app()", settings)
    baseline = gunicorn("intake-baseline", "bench.baseline_app:create_app()", settings)
    try:
        body = seed(survey.url, settings)
        targets = {"baseline": baseline.url + "/api/v1/responses", "survey": survey.url + "/api/v1/responses"}
        runs: dict[str, list] = {"baseline": [], "survey": []}
        for name, url in targets.items():
            run_wrk(wrk, url, body, warmup, f"{name}-warmup")
        for i in range(rounds):
            for name, url in targets.items():
                say(f"intake: round {i + 1}/{rounds}: {name}, {seconds}s, {CONNECTIONS} connections")
                runs[name].append(run_wrk(wrk, url, body, seconds, name))
                r = runs[name][-1]
                say(f"intake:   {r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                    f"errors {r['errors']}")
    finally:
        survey.stop()
        baseline.stop()
    result = {name: combine(r) for name, r in runs.items()}
    result["ratio"] = ratio(result["survey"]["rps"], result["baseline"]["rps"])
    result["settings"] = {"workers": settings.web_concurrency, "threads": settings.web_threads,
                          "connections": CONNECTIONS, "wrk_threads": WRK_THREADS, "seconds_per_round": seconds,
                          "rounds": rounds}
    say("intake: profiling 300 submissions in-process")
    result["profile"] = profile_intake(settings, body)
    return result
