"""The aggregator worker: a consumer-group member folding events into indicator state.

Per batch: decode (invalid -> dead-letter topic with the reason), fold into the state
documents of each partition (skipping what a document already applied), write the changed
documents, run the after-write steps (coaching decisions), then commit the offsets. A crash
anywhere before the commit replays the batch, and the per-document ``applied`` offsets
make the replay change nothing that was already written: exactly-once in effect.
"""
from __future__ import annotations

import logging
import signal
import threading
from collections import defaultdict
from typing import Callable

from kafka import TopicPartition

from shared import db, logs
from shared.clock import Clock, SystemClock
from shared.config import Settings
from shared.events import InvalidEvent, decode
from shared.messaging import Batch, make_consumer, make_producer, run_batches
from shared.topics import Topics

from . import state, store

log = logging.getLogger(__name__)
GROUP = "tanggap-aggregator"


class Worker:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, producer=None,
                 after_write: list[Callable[[list[dict]], None]] | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.topics = Topics.from_settings(settings)
        self._producer = producer
        self.after_write = after_write or []
        self.stats = defaultdict(int)

    @property
    def producer(self):
        if self._producer is None:
            self._producer = make_producer(self.settings, client_id="aggregator-worker")
        return self._producer

    def handle(self, batch: Batch) -> None:
        dead: list[tuple[TopicPartition, object, str]] = []
        changed: list[dict] = []
        for tp, records in batch.items():
            parsed = []
            for record in records:
                try:
                    event = decode(record.value)
                    kind, scope, period = state.target(event)
                except InvalidEvent as exc:
                    dead.append((tp, record, exc.reason))
                    continue
                except ValueError as exc:
                    dead.append((tp, record, str(exc)))
                    continue
                parsed.append((record.offset, event, kind, scope, period))
            ids = {state.doc_id(tp.topic, tp.partition, k, s, p) for _, _, k, s, p in parsed}
            docs = store.load(ids)
            touched = set()
            for offset, event, kind, scope, period in parsed:
                did = state.doc_id(tp.topic, tp.partition, kind, scope, period)
                doc = docs.get(did)
                if doc is None:
                    doc = docs[did] = state.new_doc(tp.topic, tp.partition, kind, scope, period)
                if state.apply(doc, event, offset):
                    touched.add(did)
                else:
                    self.stats["skipped"] += 1
            changed += [docs[d] for d in touched]
            self.stats["events"] += len(parsed)
        store.save(changed)
        self._dead_letter(dead)
        for step in self.after_write:
            step(changed)

    def _dead_letter(self, dead) -> None:
        if not dead:
            return
        for tp, record, reason in dead:
            log.warning("dead-lettered a message", extra={"topic": tp.topic, "partition": tp.partition,
                                                          "offset": record.offset, "reason": reason})
            headers = [("reason", reason.encode()), ("source", f"{tp.topic}/{tp.partition}/{record.offset}".encode()),
                       ("consumer", GROUP.encode())]
            self.producer.send(self.topics.deadletter, key=record.key.decode() if record.key else None,
                               value=record.value, headers=headers)
        self.producer.flush(timeout=30)
        self.stats["dead_lettered"] += len(dead)

    def run(self, stop: threading.Event, max_batches: int | None = None) -> int:
        consumer = make_consumer(self.settings, [self.topics.responses], group_id=GROUP,
                                 client_id="aggregator-worker")
        try:
            return run_batches(consumer, self.handle, stop, max_batches=max_batches)
        finally:
            consumer.close(autocommit=False)
            if self._producer is not None:
                self._producer.close(timeout=5)


def main(settings: Settings) -> None:
    logs.setup("aggregator-worker", settings.log_level)
    db.connect(settings, pool_size=4)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("aggregator worker started")
    Worker(settings).run(stop)
    log.info("aggregator worker stopped")
