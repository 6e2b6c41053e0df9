"""End-to-end latency at a steady load, through the real processes.

Survey API and aggregator API under the shipped gunicorn settings, the outbox relay, an
aggregator worker and a notifier worker (scheduler every second), all as ``make up`` runs
them, plus a webhook receiver standing in for the supervisors' system. Citizens submit at a
fixed rate (open loop: a submission is sent on schedule whatever the earlier ones do):

* accepted -> visible: the survey answered 201 -> the unit's respondents in the indicators
  API include it. A poller reads every unit's count every ``POLL_S``; the k-th response
  accepted for a unit is visible once the count reaches k (at the end of that poll);
* threshold crossed -> notification delivered: officers whose deployment gets only low
  U6/U7 answers reach the coaching rule's minimum of 10 responses with their 10th; from
  that submission's acceptance to the webhook for their case arriving.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from shared.messaging.topics import ensure_topics

from bench.common import Deadline, admin_headers, gunicorn, python_module, say, summary

POLL_S = 0.1
MIN_RESPONSES = 10  # the officer_low rule's default minimum (services/aggregator/rules.py)
GOOD = {"U1": 4, "U2": 3, "U3": 4, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 3, "U9": 4}
LOW = {**GOOD, "U6": 1, "U7": 1}  # the officer is rated badly, the unit stays fine


class Receiver:
    """Webhook receiver: records arrival time and body of every correctly signed POST."""

    def __init__(self, secret: str):
        self.secret = secret
        self.hooks: list[tuple[float, dict]] = []
        self.bad = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                at = time.monotonic()
                expected = "sha256=" + hmac.new(receiver.secret.encode(), raw, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(expected, self.headers.get("X-Tanggap-Signature", ""))
                with lock:
                    if ok:
                        receiver.hooks.append((at, json.loads(raw)))
                    else:
                        receiver.bad += 1
                self.send_response(204 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/tanggap"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed(survey_url: str, settings, normal_officers: int, low_officers: int) -> tuple[list, list]:
    """Two ordinary units and one whose officers will be rated low; a head supervising each
    unit's officers; one deployment per officer. Returns (normal, low) deployments as
    (code, unit, nip)."""
    h = admin_headers(settings)

    def post(path, body):
        r = requests.post(survey_url + path, json=body, headers=h, timeout=30)
        if r.status_code not in (200, 201):
            raise RuntimeError(f"seeding {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    plan = {"LAT-A": normal_officers // 2, "LAT-B": normal_officers - normal_officers // 2, "LAT-C": low_officers}
    out: dict[str, list] = {"normal": [], "low": []}
    seq = 0
    for u, (unit, officers) in enumerate(plan.items()):
        head = f"19800101200501{u:04d}"
        post("/api/v1/units", {"code": unit, "name": f"Unit {unit}"})
        post("/api/v1/employees", {"nip": head, "name": f"Kepala {unit}", "unit": unit})
        post("/api/v1/units", {"code": unit, "name": f"Unit {unit}", "head_nip": head})
        for _ in range(officers):
            seq += 1
            who = f"19900101201501{seq:04d}"
            post("/api/v1/employees", {"nip": who, "name": f"Petugas {seq}", "unit": unit, "supervisor_nip": head})
            code = post("/api/v1/deployments", {"template": "skm", "unit": unit, "officer": who})["code"]
            out["low" if unit == "LAT-C" else "normal"].append((code, unit, who))
    return out["normal"], out["low"]


def schedule(normal: list, low: list, rate: float, seconds: float, seed_: int = 11) -> list[tuple]:
    """(at, deployment, unit, officer, answers, is_low) at a fixed rate; every low officer
    gets exactly MIN_RESPONSES submissions, spread over the first 80% of the run."""
    rng = random.Random(seed_)
    slots = [i / rate for i in range(int(rate * seconds))]
    early = [t for t in slots if t <= 0.8 * seconds]
    low_slots = set(rng.sample(range(len(early)), min(len(early), len(low) * MIN_RESPONSES)))
    low_jobs = [dep for dep in low for _ in range(MIN_RESPONSES)]
    rng.shuffle(low_jobs)
    out = []
    for i, at in enumerate(slots):
        if i in low_slots and low_jobs:
            code, unit, who = low_jobs.pop()
            out.append((at, code, unit, who, LOW, True))
        else:
            code, unit, who = rng.choice(normal)
            out.append((at, code, unit, who, GOOD, False))
    return out


class Poller:
    """Reads every unit's respondents from the indicators API every POLL_S seconds."""

    def __init__(self, url: str, headers: dict):
        self.url, self.headers = url, headers
        self.period: str | None = None
        self.seen: list[tuple[float, dict]] = []  # (end of poll, unit -> respondents)
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def _run(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            if self.period:
                try:
                    r = session.get(self.url, params={"period": self.period}, headers=self.headers, timeout=10)
                    rows = r.json().get("items", r.json().get("rows", [])) if r.status_code == 200 else None
                    if rows is None:
                        self.errors += 1
                    else:
                        self.seen.append((time.monotonic(), {row["unit"]: row.get("respondents", 0) for row in rows}))
                except (requests.RequestException, ValueError):
                    self.errors += 1
            self._stop.wait(POLL_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def count(self, unit: str) -> int:
        return self.seen[-1][1].get(unit, 0) if self.seen else 0


def visible_latencies(accepted: dict[str, list[float]], seen: list[tuple[float, dict]]) -> tuple[list[float], int]:
    """Seconds from acceptance to visibility per response; and how many never became visible."""
    out, missing = [], 0
    for unit, times in accepted.items():
        times = sorted(times)
        i = 0
        for k, at in enumerate(times, start=1):
            while i < len(seen) and seen[i][1].get(unit, 0) < k:
                i += 1
            if i < len(seen):
                out.append(max(0.0, seen[i][0] - at))
            else:
                missing += 1
    return out, missing


def run(settings, rate: float = 8.0, seconds: float = 60.0, normal_officers: int = 10, low_officers: int = 20,
        drain_s: float = 45.0) -> dict:
    ensure_topics(settings)
    secret = secrets.token_urlsafe(24)
    receiver = Receiver(secret)
    procs = []
    try:
        say("latency: starting survey API, aggregator API, relay, aggregator worker, notifier worker")
        extra = dict(NOTIFIER_TICK_SECONDS=1, NOTIFIER_WEBHOOK_URL=receiver.url, NOTIFIER_WEBHOOK_SECRET=secret)
        survey = gunicorn("latency-survey", "services.survey.app:create_app()", settings, **extra)
        procs.append(survey)
        aggregator = gunicorn("latency-aggregator", "services.aggregator.app:create_app()", settings, **extra)
        procs.append(aggregator)
        for name, module in (("latency-relay", "services.survey"), ("latency-worker", "services.aggregator"),
                             ("latency-notifier", "services.notifier")):
            procs.append(python_module(name, [module, "relay" if module == "services.survey" else "worker"],
                                       settings, **extra))
        normal, low = seed(survey.url, settings, normal_officers, low_officers)
        # Every submission comes from this one machine: one client, so the rule's minimum of
        # distinct clients is lowered to 1 for the run (the rest of the rule is the default).
        rule = requests.put(aggregator.url + "/api/v1/admin/rules/officer-low", headers=admin_headers(settings),
                            json={"kind": "officer_low", "severity": "warning", "params": {"min_clients": 1}},
                            timeout=30)
        if rule.status_code not in (200, 201):
            raise RuntimeError(f"setting the officer-low rule: {rule.status_code} {rule.text[:300]}")
        plan = schedule(normal, low, rate, seconds)
        poller = Poller(aggregator.url + "/api/v1/indicators/units", admin_headers(settings)).start()
        accepted: dict[str, list[float]] = {}
        crossing: dict[str, float] = {}  # officer -> acceptance of their MIN_RESPONSES-th low response
        low_done: dict[str, int] = {}
        failures = []
        lock = threading.Lock()
        local = threading.local()

        def submit(code, unit, who, answers, is_low):
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            try:
                r = session.post(survey.url + "/api/v1/responses", json={"deployment": code, "answers": answers},
                                 timeout=30)
            except requests.RequestException as exc:
                with lock:
                    failures.append(type(exc).__name__)
                return
            at = time.monotonic()
            with lock:
                if r.status_code != 201:
                    failures.append(r.status_code)
                    return
                poller.period = poller.period or r.json()["period"]
                accepted.setdefault(unit, []).append(at)
                if is_low:
                    low_done[who] = low_done.get(who, 0) + 1
                    if low_done[who] == MIN_RESPONSES:
                        crossing[who] = at

        say(f"latency: {rate:g} submissions/s for {seconds:.0f}s ({len(plan)} submissions, "
            f"{len(low)} officers crossing the coaching threshold)")
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for i, (at, *job) in enumerate(plan):
                time.sleep(max(0.0, start + at - time.monotonic()))
                pool.submit(submit, *job)
                if i and i % int(rate * 15) == 0:
                    say(f"latency: {i} submitted, {sum(map(len, accepted.values()))} accepted, "
                        f"{len(receiver.hooks)} webhooks")
        lag = time.monotonic() - start - seconds
        say(f"latency: load done (sender lag {lag:.1f}s); waiting up to {drain_s:.0f}s for the rest to show")
        total = sum(map(len, accepted.values()))
        box = Deadline(drain_s)
        while not box.over():
            notified = {h["subject"] for _, h in receiver.hooks if h.get("subject") in crossing}
            if all(poller.count(u) >= len(t) for u, t in accepted.items()) and len(notified) >= len(crossing):
                break
            time.sleep(0.5)
        poller.stop()
        visible, never = visible_latencies(accepted, poller.seen)
        first_hook: dict[str, float] = {}
        for at, hook in receiver.hooks:
            who = hook.get("subject")
            if who in crossing and hook.get("event") == "opened" and who not in first_hook:
                first_hook[who] = at
        notify = [first_hook[w] - crossing[w] for w in crossing if w in first_hook]
        return {"rate": rate, "seconds": seconds, "submitted": len(plan), "accepted": total,
                "failures": len(failures), "failure_kinds": sorted({str(f) for f in failures}),
                "poll_interval_s": POLL_S, "polls": len(poller.seen), "poll_errors": poller.errors,
                "visible": {**summary(visible), "never": never},
                "notification": {**summary(notify), "officers_crossing": len(crossing),
                                 "never": len(crossing) - len(notify), "webhooks": len(receiver.hooks),
                                 "bad_signatures": receiver.bad},
                "visible_samples": [round(v, 3) for v in visible],
                "notification_samples": [round(v, 3) for v in notify]}
    finally:
        for proc in reversed(procs):
            proc.stop()
        receiver.close()
