"""Query cost as data grows: the indicator API at 10k, 100k and 1M stored responses.

Each stage adds responses spread over a year (200 units, 10,000 officers) to a database of
its own: the raw responses (compact documents in ``responses``: id, unit, service,
officer, period, answers, channel; the outbox event is left out, and past a per-stage time
budget no more are stored, since FerretDB takes minutes for a million and no indicator
query reads that collection) and the indicator state all of them produce, folded in this
process with the aggregator's own pure fold (``services/aggregator/fold.py``, as
``rebuild`` does) into documents keyed by the partition Kafka's default partitioner gives
each unit. Then the aggregator API, under the shipped gunicorn settings, answers the same
queries; the median of several calls is kept. Queries read state documents only, whose
number is bounded by units x months x partitions, so the curve should stay flat while
responses grow a hundredfold.
"""
from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import requests

from bench import dataset
from bench.common import Deadline, admin_headers, gunicorn, say

SIZES = (10_000, 100_000, 1_000_000)
CALLS = 3
SLOW_S = 5.0          # a query this slow is called once
HTTP_TIMEOUT_S = 90   # a call still unanswered then is recorded as failed
INSERT_CHUNK = 1000  # insert_many of at most 1,000 documents (docs/storage.md)


def queries(org) -> dict[str, str]:
    unit, nip = org.units[7], org.employees[7 * org.per_unit]
    return {
        "units, one month (all 200)": "/api/v1/indicators/units?period=2026-06",
        "officers of one unit, one quarter": f"/api/v1/indicators/officers?period=2026-Q2&unit={unit}",
        "one employee, one month": f"/api/v1/indicators/employees/{nip}?period=2026-06",
        "public result of one unit, one month": f"/api/v1/public/units/{unit}?period=2026-06",
    }


class Seeder:
    """Adds responses in stages: folds all of them into indicator state (kept in memory and
    written after each stage) and stores raw responses while the stage's time allows."""

    def __init__(self, settings, org):
        from kafka.partitioner.default import murmur2
        from pymongo import MongoClient

        from shared.messaging.topics import Topics
        from shared.platform import db

        db.connect(settings)
        self.client = MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=10000)
        self.responses = self.client[settings.mongodb_db]["responses"]
        self.topic = Topics.from_settings(settings).responses
        self.partitions = settings.kafka_responses_partitions
        self.org = org
        self.docs: dict[str, dict] = {}
        self.offsets = [0] * self.partitions
        self.partition_of = {u: (murmur2(u.encode()) & 0x7FFFFFFF) % self.partitions for u in org.units}
        self.folded = 0
        self.stored = 0
        self.indexed: set = set()
        self.pool = ThreadPoolExecutor(max_workers=2)

    def add(self, count: int, seed: int, store_box: Deadline) -> dict:
        """Fold ``count`` more responses into the state; store them raw until ``store_box``
        is over. Returns the seconds spent on each part."""
        from shared.contracts import payloads
        from shared.contracts.events import Event

        from services.aggregator.state import fold

        timing = {}
        chunk, pending = [], []
        storing = True
        started = time.perf_counter()
        for p in dataset.payloads(self.org, count, seed=seed):
            part = self.partition_of[p["unit"]]
            event = Event(event_id=None, type=payloads.SKM_RESPONSE, schema_version=1, occurred_at=None,
                          producer="bench", key=p["unit"], payload=p)
            for kind, scope, period in fold.targets(event):
                did = fold.doc_id(self.topic, part, kind, scope, period)
                doc = self.docs.get(did) or self.docs.setdefault(did, fold.new_doc(self.topic, part, kind, scope,
                                                                                    period))
                fold.apply(doc, event, self.offsets[part])
            self.offsets[part] += 1
            self.folded += 1
            if storing:
                chunk.append({"_id": p["response_id"], "kind": "skm", "unit": p["unit"], "service": p["service"],
                              "officer": p["officer"], "period": p["period"], "answers": p["answers"],
                              "channel": p["channel"], "published": True})
                if len(chunk) == INSERT_CHUNK:
                    pending.append(self.pool.submit(self.responses.insert_many, chunk, ordered=False))
                    self.stored += len(chunk)
                    chunk = []
                    if len(pending) >= 4:
                        pending.pop(0).result()
                    if self.stored % 100_000 == 0:
                        say(f"queries: stored {self.stored:,} raw responses")
                    storing = not store_box.over()
        if chunk:
            pending.append(self.pool.submit(self.responses.insert_many, chunk, ordered=False))
            self.stored += len(chunk)
        for future in pending:
            future.result()
        timing["fold_and_store_s"] = time.perf_counter() - started
        started = time.perf_counter()
        self.write_state()
        timing["write_state_s"] = time.perf_counter() - started
        return timing

    def write_state(self) -> None:
        """Replace the whole state: delete, then insert_many in small chunks (a bulk
        ReplaceOne of thousands of large documents takes minutes on FerretDB)."""
        from services.aggregator.state import officer_index, store
        docs = list(self.docs.values())
        for coll in store.collections():
            coll.delete_many({})
        groups: dict = {}
        for d in docs:
            groups.setdefault(store.collection(d["kind"], d["period"]).name, []).append(d)
        for _name, mine in groups.items():
            for start in range(0, len(mine), 100):
                store.collection(mine[0]["kind"], mine[0]["period"]).insert_many(mine[start:start + 100],
                                                                                  ordered=False)
        store.IndicatorState.ensure_indexes()
        # The officer index the worker would have written along (only the stage's new records).
        pairs = officer_index.officer_pairs(docs)
        officer_index.mark_officers(pairs - self.indexed)
        officer_index.mark_officer_index_complete()
        self.indexed |= pairs

    def expected_respondents(self, unit: str, period: str) -> int:
        return sum(d["unit"]["respondents"] for d in self.docs.values()
                   if d["kind"] == "skm" and d["scope"] == unit and d["period"] == period)

    def close(self) -> None:
        self.pool.shutdown()
        self.client.close()


def time_queries(base_url: str, headers: dict, wanted: dict[str, str], calls: int, box: Deadline) -> dict[str, dict]:
    """Median of up to ``calls`` calls after a warm-up call; a query slower than SLOW_S is
    called once (that call is the sample), and none is started once ``box`` is over."""
    session = requests.Session()
    out = {}
    for name, path in wanted.items():
        if box.over():
            out[name] = {"skipped": "time budget"}
            continue
        times, errors, size = [], [], 0
        for i in range(calls + 1):
            started = time.perf_counter()
            try:
                r = session.get(base_url + path, headers=headers, timeout=HTTP_TIMEOUT_S)
                status, size = r.status_code, len(r.content)
            except requests.RequestException as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            if status != 200:
                errors.append(f"{status} after {elapsed:.1f}s")
                break
            if i or elapsed > SLOW_S:  # the first call warms caches, unless it is slow anyway
                times.append(elapsed)
            if elapsed > SLOW_S or box.over():
                break
        out[name] = {"median_ms": statistics.median(times) * 1000 if times else None,
                     "min_ms": min(times) * 1000 if times else None, "calls": len(times),
                     "bytes": size, "errors": errors}
    return out


def filter_cost(settings, month: str = "2026-06") -> dict:
    """Where the query time goes: the reports' filter (``period`` as ``$in``) against the
    same filter as an equality, straight through pymongo."""
    from pymongo import MongoClient
    with MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=10000) as client:
        coll = client[settings.mongodb_db]["indicator_state"]
        out = {}
        for label, query in (("period $in [month]", {"kind": "skm", "period": {"$in": [month]}}),
                             ("period == month", {"kind": "skm", "period": month})):
            started = time.perf_counter()
            n = len(list(coll.find(query, {"scope": 1, "unit": 1})))
            out[label] = {"ms": (time.perf_counter() - started) * 1000, "docs": n}
        return out


def run(settings, sizes=SIZES, budget_s: float = 300.0, calls: int = CALLS, raw_store_s: float = 60.0) -> dict:
    qsettings = replace(settings, mongodb_db=settings.mongodb_db + "_q")
    org = dataset.make_org()
    wanted = queries(org)
    seeder = Seeder(qsettings, org)
    api = gunicorn("queries-aggregator", "services.aggregator.app:create_app()", qsettings)
    headers = admin_headers(qsettings)
    stages, box = [], Deadline(budget_s)
    try:
        for i, size in enumerate(sizes):
            more = size - seeder.folded
            say(f"queries: adding {more:,} responses (to {size:,}) and folding their indicator state")
            timing = seeder.add(more, seed=100 + i, store_box=Deadline(raw_store_s))
            say(f"queries: {seeder.folded:,} responses folded, {seeder.stored:,} stored raw "
                f"({timing['fold_and_store_s']:.0f}s), state written in {timing['write_state_s']:.0f}s; "
                f"timing {len(wanted)} queries")
            timings = time_queries(api.url, headers, wanted, calls, box)
            unit = org.units[7]
            try:
                public = requests.get(f"{api.url}/api/v1/public/units/{unit}?period=2026-06",
                                      timeout=HTTP_TIMEOUT_S).json().get("respondents")
            except (requests.RequestException, ValueError) as exc:
                public = f"error: {type(exc).__name__}"
            stage = {"responses": seeder.folded, "raw_stored": seeder.stored, **timing,
                     "state_docs": len(seeder.docs),
                     "state_mb": sum(len(json.dumps(d)) for d in seeder.docs.values()) / 2**20,
                     "queries": timings,
                     "check": {"unit": unit, "api": public, "expected": seeder.expected_respondents(unit, "2026-06")}}
            if i == 0:
                stage["filter_cost"] = filter_cost(qsettings)
            stages.append(stage)
            for name, t in timings.items():
                shown = f"{t['median_ms']:.0f} ms" if t.get("median_ms") else (t.get("errors") or t.get("skipped"))
                say(f"queries:   {name}: {shown}")
    finally:
        api.stop()
        seeder.close()
        _drop(qsettings)
    first, last = stages[0], stages[-1]
    growth = {}
    for name in wanted:
        a, b = first["queries"][name].get("median_ms"), last["queries"][name].get("median_ms")
        growth[name] = b / a if a and b else None
    return {"sizes": list(sizes), "calls": calls, "stages": stages, "growth_largest_vs_smallest": growth,
            "largest": last["responses"], "queries": wanted, "http_timeout_s": HTTP_TIMEOUT_S}


def _drop(settings) -> None:
    import pymongo
    with pymongo.MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(settings.mongodb_db)
