"""python -m bench [--quick] [--only STEP ...] [--no-readme]: Tanggap's benchmarks.

Runs intake, aggregation (with the worker's memory), end-to-end latency and query cost
against the Kafka broker and database named by KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI
(``make bench`` starts them if needed), in a database and topic prefix of its own that are
dropped at the end. Writes bench/results/<time>.json, latest.json, summary.md and PNG
plots, and the summary into the README's Benchmarks section. Sized to finish within 15
minutes on 2 cores; ``--quick`` is a smaller smoke run (no README update).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from datetime import UTC, datetime

STEPS = ("intake", "aggregation", "latency", "queries")

FULL = {
    "intake": dict(seconds=8, rounds=2, warmup=2),
    "aggregation": dict(count=1_000_000, plain_s=45, quix_s=45, worker_s=60, profile_s=30),
    "latency": dict(rate=8.0, seconds=45, normal_officers=10, low_officers=15, drain_s=30),
    "queries": dict(sizes=(10_000, 100_000, 1_000_000), budget_s=420, raw_store_s=45),
}
QUICK = {
    "intake": dict(seconds=3, rounds=1, warmup=1),
    "aggregation": dict(count=20_000, plain_s=10, quix_s=10, worker_s=15, profile_s=10),
    "latency": dict(rate=4.0, seconds=15, normal_officers=4, low_officers=3, drain_s=20),
    "queries": dict(sizes=(1_000, 5_000), budget_s=60, raw_store_s=20),
}


def step_settings(settings, step: str):
    """Each step in a database and under a topic prefix of its own (both carry the run's
    tag, so the cleanup finds them): a backlog one step leaves cannot slow another."""
    from dataclasses import replace
    return replace(settings, mongodb_db=f"{settings.mongodb_db}_{step}",
                   kafka_topic_prefix=f"{settings.kafka_topic_prefix}{step}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every step")
    parser.add_argument("--only", action="append", choices=STEPS, help="run only this step (repeatable)")
    parser.add_argument("--no-readme", action="store_true", help="do not update the README's Benchmarks section")
    args = parser.parse_args(argv)
    missing = [v for v in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI") if not os.environ.get(v)]
    if missing:
        print(f"bench: {' and '.join(missing)} not set: run `make bench`, which starts Kafka and the database",
              file=sys.stderr)
        return 2

    from bench import aggregation, intake, latency, machine, memory, queries, report
    from bench.common import bench_settings, cleanup, say

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    sizes = QUICK if args.quick else FULL
    settings = bench_settings()
    steps = args.only or list(STEPS)
    say(f"bench: database {settings.mongodb_db}, topic prefix {settings.kafka_topic_prefix}, steps {', '.join(steps)}"
        + (" (quick)" if args.quick else ""))
    results: dict = {"machine": machine.describe(settings), "quick": args.quick, "sizes": sizes}
    runners = {"intake": intake.run, "aggregation": aggregation.run, "latency": latency.run, "queries": queries.run}
    failures = []
    try:
        for step in steps:
            say(f"=== {step} ===")
            try:
                results[step] = runners[step](step_settings(settings, step), **sizes[step])
            except Exception as exc:  # a failed step is reported; the others still run
                traceback.print_exc()
                results[step] = {"error": f"{type(exc).__name__}: {exc}"}
                failures.append(step)
            if step == "aggregation" and "error" not in results[step]:
                results["memory"] = memory.summarize(results[step]["worker"], results[step]["preload"]["events"])
    finally:
        say("cleaning up")
        cleanup(settings)
    results["machine"]["load_average_end"] = os.getloadavg()
    results["wall_s"] = time.monotonic() - started
    written = report.write(results, stamp, readme=not (args.no_readme or args.quick or args.only))
    say(f"wrote {written['json']}, {written['summary']}, plots {', '.join(written['plots']) or 'none'}"
        + ("; README updated" if written["readme"] else ""))
    print()
    print((report.RESULTS / "summary.md").read_text())
    say(f"done in {results['wall_s']:.0f}s" + (f"; failed steps: {', '.join(failures)}" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
