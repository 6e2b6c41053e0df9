"""Results: JSON, a markdown summary with the ratios and what limits each, PNG plots, README.

Targets are what to aim for, not assertions: the summary says met or not met.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from bench.common import RESULTS, ROOT

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


def write_json(results: dict, stamp: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, default=str)
    path = RESULTS / f"{stamp}.json"
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


# -- formatting ------------------------------------------------------------------------------

def num(value, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def ms(seconds) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:,.0f} ms"


def pct(value) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "not met")


def buckets(profile: dict, top: int = 5) -> str:
    rows = [f"{name} {share * 100:.0f}%" for name, _, share in profile.get("buckets", [])[:top]]
    return "; ".join(rows)


def phase_lines(profile: dict) -> list[str]:
    """The first phase is the whole; the others are given as a share of it."""
    items = list(profile.get("phases_s", {}).items())
    if not items:
        return []
    whole_name, whole = items[0]
    out = [f"  - {whole_name}: {whole:.2f} s"]
    for name, seconds in items[1:]:
        out.append(f"  - {name}: {seconds:.2f} s ({seconds / whole * 100 if whole else 0:.0f}% of it)")
    return out


def _times(value) -> str:
    return "n/a" if value is None else f"{value:,.1f}x"


def failed(section: dict | None) -> str | None:
    if section is None:
        return "not run"
    return section.get("error")


# -- the summary -----------------------------------------------------------------------------

def summary_md(r: dict, images: bool = True) -> str:
    m = r["machine"]
    lines = [f"### Latest run: {m['when']}", "",
             f"Machine: {m['cores']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}, "
             f"Kafka {m['kafka']} (kafka-python {m['kafka_python']}), {m['database']}. "
             f"Load average at start {', '.join(f'{x:.1f}' for x in m['load_average_start'])}"
             + (f", at end {', '.join(f'{x:.1f}' for x in m['load_average_end'])}" if m.get("load_average_end") else "")
             + f" (the machine is shared: absolute numbers are noisy, the ratios are measured side by side). "
             f"`make bench` took {num(r.get('wall_s'))} s.", ""]
    lines += _intake(r.get("intake"), images)
    lines += _aggregation(r.get("aggregation"), images)
    lines += _latency(r.get("latency"), images)
    lines += _queries(r.get("queries"), images)
    lines += _memory(r.get("memory"), images)
    return "\n".join(lines).rstrip() + "\n"


def _intake(x, images) -> list[str]:
    out = ["#### 1. Intake (`POST /api/v1/responses` under the shipped gunicorn settings)", ""]
    if failed(x):
        return out + [f"Failed: {failed(x)}", ""]
    s = x["settings"]
    out += [f"wrk, {s['connections']} connections, {s['rounds']} interleaved rounds of {s['seconds_per_round']} s "
            f"per target; gunicorn {s['workers']} workers x {s['threads']} threads for both.", "",
            "| target | requests/s | p50 | p99 | errors |", "|---|---:|---:|---:|---:|"]
    for name, label in (("baseline", "bare Flask, returns 201"), ("survey", "survey service (deployment, officer)")):
        t = x[name]
        out.append(f"| {label} | {num(t['rps'])} | {num(t['p50_ms'], 1)} ms | {num(t['p99_ms'], 1)} ms "
                   f"| {t['errors']} |")
    ratio = x.get("ratio")
    p = x.get("profile", {})
    out += ["", f"**Ratio survey / baseline: {num(ratio, 3)}** (target at least 0.5: "
                f"**{verdict(ratio >= 0.5 if ratio is not None else None)}**).", "",
            f"What limits it (cProfile of {p.get('requests')} submissions in-process, "
            f"{num(p.get('per_request_ms'), 1)} ms each): {buckets(p)}. Cumulative time of the parts:"]
    out += phase_lines(p)
    out += ["", "The deployment, unit, service and officer of a submission are revisioned records, each a "
                "filtered, sorted query that FerretDB answers with a sequential scan; each survey process keeps "
                "them for `REFERENCE_CACHE_SECONDS` (5 s), so under load they cost almost nothing (the lookups "
                "line). What is left is the insert of the response with its event (one FerretDB round trip, "
                "which also spends CPU on the same two cores), Flask with flask-smorest and marshmallow "
                "validation, and building the document, none of which the bare-Flask baseline does.", ""]
    if images:
        out += ["![intake](intake.png)", ""]
    return out


def _aggregation(x, images) -> list[str]:
    out = ["#### 2. Aggregation (the responses topic preloaded with a million events)", ""]
    if failed(x):
        return out + [f"Failed: {failed(x)}", ""]
    pre, plain, quix, w = x["preload"], x["plain"], x["quix"], x["worker"]
    out += [f"{num(pre['events'])} SKM events ({pre['units']} units, {num(pre['employees'])} officers, a year in "
            f"month order, {pre['partitions']} partitions) preloaded in {num(pre['seconds'])} s with {pre['client']}.",
            "", "| reader | events read | seconds | events/s | ratio to the plain consumer |",
            "|---|---:|---:|---:|---:|",
            f"| plain kafka-python consumer, JSON decode only (baseline) | {num(plain['events'])} | "
            f"{num(plain['seconds'], 1)} | {num(plain['rate'])} | 1 |"]
    if quix.get("rate"):
        out.append(f"| Quix Streams {quix.get('version')}: per-unit, per-unsur monthly sums in RocksDB state | "
                   f"{num(quix['events'])} | {num(quix['seconds'], 1)} | {num(quix['rate'])} | "
                   f"{num(x.get('ratio_quix_plain'), 2)} |")
    else:
        out.append(f"| Quix Streams | not run: {quix.get('error', 'unknown')[:200]} | | | |")
    out.append(f"| aggregator worker as shipped (`python -m services.aggregator worker`, batch {w['batch_size']}): "
               f"fold into FerretDB + coaching decisions | {num(w['events'])} | {num(w['seconds'], 1)} | "
               f"{num(w['rate'], 1)} | {num(x.get('ratio_worker_plain'), 4)} |")
    ratio = x.get("ratio_worker_plain")
    out += ["", f"**Ratio worker / plain consumer: {num(ratio, 4)}** (target at least 0.5: "
                f"**{verdict(ratio >= 0.5 if ratio is not None else None)}**). "
                f"The worker is time-boxed: it processed {num(w['events'])} of {num(pre['events'])} events "
                f"({pct(w['events'] / pre['events'] if pre['events'] else None)}); the events/s include its "
                f"start-up and finishing the batch in progress after the stop ({num(w.get('stop_s'), 1)} s). "
                f"Inside `handle` alone: {num(w.get('handle_rate'), 1)} events/s over {w.get('batches')} batches.", ""]
    if not plain.get("all"):
        out.append(f"The plain consumer was time-boxed too ({num(plain['events'])} events).")
    if quix.get("rate") and not quix.get("all"):
        out.append(f"Quix Streams was time-boxed too ({num(quix['events'])} events).")
    prof = x.get("worker_profiled", {}).get("profile")
    if prof:
        out += ["", f"What limits the worker (a second slice of {num(x['worker_profiled']['events'])} events under "
                    f"cProfile): {buckets(prof)}. Cumulative time of the parts of its loop:"]
        out += phase_lines(prof)
        out += ["", "Decoding and folding are a small share. The gathering is the baseline's own work "
                    "(kafka-python fetching and decoding records), done before each batch, not beside it. The "
                    "rest is the database: the state reads and writes (one `find` per partition and month, "
                    "`ReplaceOne` of every touched unit and officers document, each a scan of its collection "
                    "on FerretDB, three commands at once) and the coaching decisions (with thousands of "
                    "officers in a batch, reading the officers' documents of the months in the rule window, "
                    "then evaluating two rules per officer and reading the recorded cases of their slots)."]
    out.append("")
    if images:
        out += ["![aggregation](aggregation.png)", ""]
    return out


def _latency(x, images) -> list[str]:
    out = ["#### 3. End-to-end latency at a steady load", ""]
    if failed(x):
        return out + [f"Failed: {failed(x)}", ""]
    v, n = x["visible"], x["notification"]
    out += [f"{x['rate']:g} submissions/s for {x['seconds']:.0f} s ({x['accepted']} of {x['submitted']} accepted, "
            f"{x['failures']} failed) through survey API, relay, aggregator worker, aggregator API, notifier worker "
            f"(scheduler every 1 s) and a webhook receiver; the indicators API is polled every "
            f"{x['poll_interval_s'] * 1000:.0f} ms.", "",
            "| path | samples | p50 | p95 | p99 | max | never arrived |", "|---|---:|---:|---:|---:|---:|---:|",
            f"| accepted -> visible in the indicators API | {v['n']} | {ms(v['p50'])} | {ms(v['p95'])} | "
            f"{ms(v['p99'])} | {ms(v['max'])} | {v['never']} |",
            f"| threshold crossed (10th low rating of an officer accepted) -> webhook delivered | {n['n']} | "
            f"{ms(n['p50'])} | {ms(n['p95'])} | {ms(n['p99'])} | {ms(n['max'])} | {n['never']} |", ""]
    p95 = v.get("p95")
    out += [f"**Target p95 under 1 s: accepted -> visible {verdict(p95 < 1 if p95 is not None else None)}; "
            f"notification {verdict(n['p95'] < 1 if n.get('p95') is not None else None)}.** "
            "What the time is: the relay polls the outbox every 0.2 s when idle; the worker, once caught up, "
            "handles a batch as soon as no record came for 50 ms (`LINGER_S`; with a backlog it gathers for up to "
            "`GATHER_S`, 1 s), then writes state and decides cases on FerretDB; "
            f"with {n['n']} notification samples the p99 is close to the maximum.", ""]
    if images:
        out += ["![latency](latency.png)", ""]
    return out


def _queries(x, images) -> list[str]:
    out = ["#### 4. Query cost as data grows", ""]
    if failed(x):
        return out + [f"Failed: {failed(x)}", ""]
    stages = x["stages"]
    head = "| query | " + " | ".join(f"{num(s['responses'])} responses" for s in stages) + " | largest / smallest |"
    out += ["Median of up to " + str(x["calls"]) + " calls through the aggregator API (gunicorn, shipped settings; "
            "a call slower than 5 s is made once).", "", head, "|---|" + "---:|" * (len(stages) + 1)]
    for name in x["queries"]:
        cells = []
        for s in stages:
            q = s["queries"].get(name, {})
            cells.append(num(q.get("median_ms")) + " ms" if q.get("median_ms") is not None
                         else (", ".join(q.get("errors") or []) or q.get("skipped") or "n/a"))
        out.append(f"| {name} | " + " | ".join(cells) + f" | {_times(x['growth_largest_vs_smallest'].get(name))} |")
    out.append("| *state documents (MB)* | " + " | ".join(f"{s['state_docs']} ({s['state_mb']:.1f})" for s in stages)
               + " | |")
    out.append("| *raw responses stored* | " + " | ".join(num(s["raw_stored"]) for s in stages) + " | |")
    growth = [g for g in x["growth_largest_vs_smallest"].values() if g is not None]
    worst = max(growth) if growth else None
    timeouts = any(q.get("errors") for s in stages for q in s["queries"].values())
    out += ["", f"**Target: query time at the largest size within 2x of 10k: "
                f"{verdict(worst <= 2 and not timeouts if worst is not None else None)}** (worst growth "
                f"{num(worst, 1)}x" + ("; some calls failed, see the table" if timeouts else "") + ")."]
    fc = stages[0].get("filter_cost")
    if fc:
        a, b = fc["period $in [month]"], fc["period == month"]
        out += ["", f"What limits it: the reports read the state month by month with equality filters, because "
                    f"FerretDB hands equalities to PostgreSQL but checks `$in` itself after decoding every document "
                    f"of the kind (at {num(stages[0]['responses'])} responses one month's SKM state takes "
                    f"{num(a['ms'])} ms asked with `$in` and {num(b['ms'])} ms as an equality, {b['docs']} "
                    f"documents). FerretDB answers every equality with a sequential scan of the collection's table "
                    f"(its PostgreSQL query tests `_jsonb->'field' @> value`, which no index serves) and decodes whole "
                    f"documents whatever the projection, so a query costs the bytes of its collection plus the bytes "
                    f"it returns. The unit documents are small and bounded by units x months (the officers' totals "
                    f"live in collections of their own, one per month), so the unit queries stay flat. An officer "
                    f"query scans one month's officers' collection per month it needs (a quarter and the quarter "
                    f"before: six), and each grows until every officer of every unit appears in that month (the MB "
                    f"row); one employee first reads the month's officer index (a record per officer and unit) and "
                    f"then only the documents of the units it names."]
    out += ["", "Checked at each size: the public result of one unit counts exactly the responses folded for it ("
            + "; ".join(f"{s['check']['api']} of {s['check']['expected']}" for s in stages) + ").", ""]
    if images:
        out += ["![queries](queries.png)", ""]
    return out


def _memory(x, images) -> list[str]:
    out = ["#### 5. Memory of the aggregator worker", ""]
    if failed(x):
        return out + [f"Failed: {failed(x)}", ""]
    working = [smp for smp in x.get("samples", []) if smp[2]]
    trend = (f"RSS was {working[0][1]:.0f} MB after the first committed batch and {working[-1][1]:.0f} MB at the "
             f"end ({num(working[-1][2])} events)") if working else "no batch was committed while sampling"
    out += [f"Peak RSS (VmHWM) of the shipped worker process: **{num(x['peak_rss_mb'], 1)} MB**, over the "
            f"{num(x['events'])} events it processed in its time box ({pct(x['of_total'])} of the "
            f"{num(x['total_events'])} preloaded; they named {x['units_named']} units and "
            f"{num(x['officers_named'])} of the 10,000 officers); {trend}. The worker keeps no state between "
            f"batches (it reads and writes the state documents a batch touches), so its memory is bounded by "
            f"the batch size ({x['batch_size']} records) and the state documents of the months a batch "
            f"touches, not by the number of events seen; the whole million was not processed (see 2), so this "
            f"is the peak over what was.", ""]
    if images:
        out += ["![memory](memory.png)", ""]
    return out


# -- plots -----------------------------------------------------------------------------------

def plots(r: dict) -> list[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    made = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(RESULTS / name, dpi=110)
        plt.close(fig)
        made.append(name)

    x = r.get("intake")
    if x and not x.get("error"):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        names = ["bare Flask", "survey"]
        axes[0].bar(names, [x["baseline"]["rps"], x["survey"]["rps"]], color=["#999", "#2a7"])
        axes[0].set_ylabel("requests/s")
        axes[0].set_title(f"intake: ratio {x['ratio']:.3f}")
        axes[1].bar(names, [x["baseline"]["p99_ms"], x["survey"]["p99_ms"]], color=["#999", "#2a7"])
        axes[1].set_ylabel("p99 latency (ms)")
        save(fig, "intake.png")
    x = r.get("aggregation")
    if x and not x.get("error"):
        fig, ax = plt.subplots(figsize=(7, 3.5))
        rows = [("plain consumer", x["plain"]["rate"]), ("Quix Streams", x["quix"].get("rate")),
                ("aggregator worker", x["worker"]["rate"])]
        rows = [(n, v) for n, v in rows if v]
        ax.barh([n for n, _ in rows], [v for _, v in rows], color="#37a")
        ax.set_xscale("log")
        ax.set_xlabel("events/s (log scale)")
        ax.set_title("aggregation throughput, same topic, same run")
        save(fig, "aggregation.png")
    x = r.get("latency")
    if x and not x.get("error"):
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for key, label in (("visible_samples", "accepted -> visible"), ("notification_samples", "crossed -> webhook")):
            data = sorted(x.get(key) or [])
            if data:
                ax.plot(data, [(i + 1) / len(data) for i in range(len(data))], label=label)
        ax.axvline(1.0, color="#c33", linestyle="--", linewidth=1, label="1 s target")
        ax.set_xlabel("seconds")
        ax.set_ylabel("fraction")
        ax.set_title("end-to-end latency (CDF)")
        ax.legend()
        save(fig, "latency.png")
    x = r.get("queries")
    if x and not x.get("error"):
        fig, ax = plt.subplots(figsize=(7, 3.8))
        sizes = [s["responses"] for s in x["stages"]]
        for name in x["queries"]:
            ys = [s["queries"].get(name, {}).get("median_ms") for s in x["stages"]]
            pts = [(a, b) for a, b in zip(sizes, ys) if b is not None]
            if pts:
                ax.plot([a for a, _ in pts], [b for _, b in pts], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("stored responses")
        ax.set_ylabel("median ms")
        ax.set_title("indicator query time as data grows")
        ax.legend(fontsize=7)
        save(fig, "queries.png")
    x = r.get("memory")
    if x and not x.get("error") and x.get("samples"):
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ts = [s[0] for s in x["samples"]]
        ax.plot(ts, [s[1] for s in x["samples"]], color="#a52", label="RSS (MB)")
        ax.set_xlabel("seconds")
        ax.set_ylabel("RSS (MB)")
        ax2 = ax.twinx()
        ax2.plot(ts, [s[2] or 0 for s in x["samples"]], color="#37a", label="events committed")
        ax2.set_ylabel("events committed")
        ax.set_title("aggregator worker memory")
        save(fig, "memory.png")
    return made


def update_readme(text: str, readme: Path = ROOT / "README.md") -> bool:
    """Replace the text between the bench markers in the README; False if there are none."""
    body = readme.read_text()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.S)
    if not pattern.search(body):
        return False
    readme.write_text(pattern.sub(lambda _: f"{README_START}\n{text}{README_END}", body))
    return True


def write(results: dict, stamp: str, readme: bool = True) -> dict:
    path = write_json(results, stamp)
    made = plots(results)
    text = summary_md(results)
    (RESULTS / "summary.md").write_text("# Tanggap benchmarks\n\n" + text)
    updated = update_readme(summary_md(results, images=False)) if readme else False
    return {"json": str(path), "summary": str(RESULTS / "summary.md"), "plots": made, "readme": updated}
