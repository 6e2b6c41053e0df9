"""Quix Streams doing the aggregation's arithmetic: per-unit, per-unsur monthly sums.

Run as ``python -m bench.quix_app BROKER TOPIC GROUP STATE_DIR COUNT SECONDS``: reads the
topic from the beginning, keeps the sums in its RocksDB state (keyed by unit, like the
topic; one entry per month), stops after COUNT events or SECONDS, and prints one line
``QUIX {json}`` with what it did.
"""
from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    broker, topic_name, group, state_dir, count, seconds = argv
    count, seconds = int(count), float(seconds)
    import quixstreams
    from quixstreams import Application

    app = Application(broker_address=broker, consumer_group=group, auto_offset_reset="earliest",
                      state_dir=state_dir, loglevel="WARNING")
    topic = app.topic(topic_name, value_deserializer="json")
    seen = {"n": 0, "first": None, "last": None, "groups": 0}
    deadline = time.monotonic() + seconds

    def fold(value: dict, state) -> None:
        now = time.perf_counter()
        if seen["first"] is None:
            seen["first"] = now
        p = value["payload"]
        sums = state.get(p["period"], None)
        if sums is None:
            sums, seen["groups"] = {}, seen["groups"] + 1
        for code, v in p["answers"].items():
            sums[code] = sums.get(code, 0) + v
        sums["n"] = sums.get("n", 0) + 1
        state.set(p["period"], sums)
        seen["n"] += 1
        seen["last"] = now
        if seen["n"] >= count or (seen["n"] % 1000 == 0 and time.monotonic() > deadline):
            app.stop()

    sdf = app.dataframe(topic)
    sdf.update(fold, stateful=True)
    started = time.perf_counter()
    app.run(timeout=20.0, collect=False)  # stops itself (app.stop) after COUNT events or SECONDS
    elapsed = (seen["last"] - seen["first"]) if seen["n"] > 1 else None
    print("QUIX " + json.dumps({"events": seen["n"], "seconds": elapsed, "wall_s": time.perf_counter() - started,
                                "rate": seen["n"] / elapsed if elapsed else None, "unit_months": seen["groups"],
                                "version": quixstreams.__version__}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
