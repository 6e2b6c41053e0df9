"""Aggregation: a million response events on the topic, then who reads them how fast.

1. preload N events (200 units, 10,000 officers, a year in month order) into the run's
   responses topic: librdkafka (confluent-kafka, installed with Quix Streams) when present,
   else kafka-python; this is set-up, not measured;
2. baseline: a plain kafka-python consumer (the project's consumer settings) that only
   decodes the JSON of each event, over all N or a time box;
3. Quix Streams keeping per-unit, per-unsur monthly sums in its RocksDB state, same topic;
4. the aggregator worker exactly as shipped (``python -m services.aggregator worker``),
   time-boxed: it folds into FerretDB and decides coaching cases, far slower than the
   others, so it sees only the start of the topic. Its memory is sampled meanwhile
   (bench/memory.py), and a second short slice runs under cProfile.
"""
from __future__ import annotations

import json
import re
import tempfile
import time

from shared.messaging.topics import Topics, ensure_topics

from bench import dataset, memory
from bench.common import BIN, RESULTS, Deadline, Proc, python_module, ratio, say, settings_env
from bench.profiling import load as load_profile
from bench.profiling import phases


def preload(settings, count: int) -> dict:
    ensure_topics(settings)
    topic = Topics.from_settings(settings).responses
    org = dataset.make_org()
    started = time.perf_counter()
    try:
        sent, client = _preload_librdkafka(settings, topic, org, count)
    except ImportError:
        sent, client = _preload_kafka_python(settings, topic, org, count)
    elapsed = time.perf_counter() - started
    say(f"aggregation: preloaded {sent:,} events in {elapsed:.0f}s with {client}")
    return {"events": sent, "seconds": elapsed, "client": client, "topic": topic,
            "partitions": settings.kafka_responses_partitions, "units": len(org.units),
            "employees": len(org.employees)}


def _preload_librdkafka(settings, topic, org, count):
    from confluent_kafka import Producer
    errors = []
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap_servers, "linger.ms": 50,
                         "batch.size": 900_000, "queue.buffering.max.messages": 500_000, "acks": "all"})

    def delivered(err, msg):
        if err is not None:
            errors.append(str(err))

    sent = 0
    for key, value in dataset.events(org, count):
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        sent += 1
        if sent % 10_000 == 0:
            producer.poll(0)
        if sent % 200_000 == 0:
            say(f"aggregation: preloading {sent:,}/{count:,}")
    left = producer.flush(120)
    if left or errors:
        raise RuntimeError(f"preload: {left} undelivered, {len(errors)} errors ({errors[:1]})")
    return sent, "confluent-kafka (librdkafka)"


def _preload_kafka_python(settings, topic, org, count):
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), acks="all",
                             linger_ms=50, batch_size=1 << 20, max_request_size=8 << 20)
    sent = 0
    for key, value in dataset.events(org, count):
        producer.send(topic, key=key, value=value)
        sent += 1
        if sent % 200_000 == 0:
            say(f"aggregation: preloading {sent:,}/{count:,}")
    producer.flush(timeout=300)
    producer.close(timeout=10)
    return sent, "kafka-python"


def plain_consumer(settings, count: int, seconds: float) -> dict:
    """kafka-python with the project's consumer settings, ``json.loads`` of every value."""
    from shared.messaging.clients import make_consumer
    topic = Topics.from_settings(settings).responses
    consumer = make_consumer(settings, [topic], group_id=f"{settings.kafka_topic_prefix}plain",
                             client_id="bench-plain", max_poll_records=5000)
    n, first, last, checksum = 0, None, None, 0
    box = Deadline(seconds + 30)  # + group join
    try:
        while n < count and not box.over():
            polled = consumer.poll(timeout_ms=500)
            for records in polled.values():
                for record in records:
                    checksum += len(json.loads(record.value)["payload"]["answers"])
                    n += 1
            now = time.perf_counter()
            if polled:
                first = first or now
                last = now
                if now - first > seconds:
                    break
            if n and n % 100_000 < 5000:
                say(f"aggregation: plain consumer {n:,} events")
    finally:
        consumer.close(autocommit=False)
    elapsed = (last - first) if n else None
    return {"events": n, "seconds": elapsed, "rate": n / elapsed if elapsed else None, "all": n >= count,
            "answers_seen": checksum}


def quix(settings, count: int, seconds: float) -> dict:
    """Quix Streams in a child process; a failure to install or run is reported, not raised."""
    try:
        import quixstreams  # noqa: F401
    except ImportError as exc:
        return {"error": f"quixstreams is not installed ({exc}); `pip install -e '.[bench]'` installs it"}
    topic = Topics.from_settings(settings).responses
    with tempfile.TemporaryDirectory(prefix="bench-quix-") as state_dir:
        proc = Proc("quix", [str(BIN / "python"), "-m", "bench.quix_app", settings.kafka_bootstrap_servers, topic,
                             f"{settings.kafka_topic_prefix}quix", state_dir, str(count), str(seconds)],
                    settings_env(settings))
        try:
            proc.popen.wait(timeout=seconds + 120)
        except Exception:
            proc.stop()
            return {"error": f"Quix Streams did not finish within {seconds + 120:.0f}s; see {proc.log}"}
    found = re.search(r"^QUIX (\{.*\})$", proc.log.read_text(errors="replace"), re.M)
    if not found:
        tail = proc.log.read_text(errors="replace")[-600:]
        return {"error": f"Quix Streams failed (exit {proc.popen.returncode}): {tail}"}
    out = json.loads(found.group(1))
    out["all"] = out["events"] >= count
    return out


def committed(admin, group: str) -> int:
    try:
        offsets = admin.list_group_offsets(group)
        offsets = offsets.get(group, offsets)  # kafka-python 3 answers {group: {tp: offset}}
        return sum(meta.offset for meta in offsets.values() if meta.offset > 0)
    except Exception:  # the group does not exist until its first commit
        return 0


def worker(settings, seconds: float, *, batch_size: int | None = None, name: str = "worker",
           profile: bool = False) -> dict:
    """The shipped worker command, stopped (SIGTERM: it finishes its batch) after ``seconds``.

    Progress is the group's committed offset; memory is sampled while it runs."""
    from kafka.admin import KafkaAdminClient

    from services.aggregator.pipeline.worker import group_id

    args = ["services.aggregator", "worker"] + (["--batch-size", str(batch_size)] if batch_size else [])
    prof_path = RESULTS / f"{name}.prof"
    if profile:
        args = ["cProfile", "-o", str(prof_path), "-m", *args]
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","), client_id="bench-lag")
    group = group_id(settings)
    before = committed(admin, group)
    proc = python_module(name, args, settings, TANGGAP_LOG_LEVEL="DEBUG")
    sampler = memory.Sampler(proc.pid, progress=lambda: committed(admin, group) - before).start()
    started = time.monotonic()
    try:
        box = Deadline(seconds)
        while not box.over() and proc.alive():
            time.sleep(min(5.0, box.left()))
            say(f"aggregation: {name}: {committed(admin, group) - before:,} events committed, "
                f"RSS {sampler.last_rss_mb():.0f} MB")
        peak = memory.peak_rss_mb(proc.pid)
        stop_at = time.monotonic()
        proc.stop(timeout=120)  # a batch in progress is finished and committed first
        ended = time.monotonic()
    finally:
        sampler.stop()
        proc.stop()
    done = committed(admin, group) - before
    admin.close()
    batches = _batches(proc.log)
    out = {"events": done, "seconds": ended - started, "rate": done / (ended - started),
           "stop_s": ended - stop_at, "batch_size": batch_size or _cli_default_batch(),
           "batches": len(batches), "batch_records": sum(b[0] for b in batches),
           "handle_s": sum(b[1] for b in batches) / 1000, "memory": sampler.result(peak)}
    if batches:
        out["handle_rate"] = out["batch_records"] / out["handle_s"] if out["handle_s"] else None
    if profile and prof_path.exists():
        import pstats
        stats = pstats.Stats(str(prof_path))
        out["profile"] = load_profile(prof_path)
        out["profile"]["phases_s"] = phases(stats, {
            "handle (a whole batch)": ("services/aggregator/worker.py", "handle"),
            "gathering records (Kafka polls)": ("services/aggregator/worker.py", "_gather"),
            "decoding and checking events": ("shared/events.py", "decode"),
            "folding (pure)": ("services/aggregator/state.py", "apply"),
            "reading state documents": ("services/aggregator/store.py", "load"),
            "writing state documents": ("services/aggregator/store.py", "save"),
            "coaching decisions": ("services/aggregator/worker.py", "decide"),
            "offset commits": ("kafka/consumer/group.py", "commit"),
        })
    return out


def _batches(log_path) -> list[tuple[int, float]]:
    out = []
    for line in log_path.read_text(errors="replace").splitlines():
        if '"batch"' in line and '"records"' in line:
            try:
                row = json.loads(line)
                out.append((int(row["records"]), float(row["ms"])))
            except (ValueError, KeyError):
                continue
    return out


def _cli_default_batch() -> int:
    from services.aggregator.__main__ import worker as command
    for param in command.params:
        if param.name == "batch_size":
            return param.default
    return 0


def run(settings, count: int, plain_s: float, quix_s: float, worker_s: float, profile_s: float) -> dict:
    result: dict = {"preload": preload(settings, count)}
    say(f"aggregation: plain kafka-python consumer (decode only), up to {plain_s:.0f}s")
    result["plain"] = plain_consumer(settings, count, plain_s)
    say(f"aggregation: plain consumer {result['plain']['rate']:,.0f} events/s")
    say(f"aggregation: Quix Streams, up to {quix_s:.0f}s")
    result["quix"] = quix(settings, count, quix_s)
    if result["quix"].get("rate"):
        say(f"aggregation: Quix Streams {result['quix']['rate']:,.0f} events/s")
    else:
        say(f"aggregation: Quix Streams: {result['quix'].get('error')}")
    say(f"aggregation: the aggregator worker as shipped, {worker_s:.0f}s")
    result["worker"] = worker(settings, worker_s)
    say(f"aggregation: worker {result['worker']['rate']:,.1f} events/s")
    say(f"aggregation: the worker under cProfile, {profile_s:.0f}s")
    result["worker_profiled"] = worker(settings, profile_s, name="worker-profiled", profile=True)
    result["ratio_worker_plain"] = ratio(result["worker"]["rate"], result["plain"]["rate"])
    result["ratio_quix_plain"] = ratio(result["quix"].get("rate"), result["plain"]["rate"])
    result["ratio_worker_quix"] = ratio(result["worker"]["rate"], result["quix"].get("rate"))
    return result
