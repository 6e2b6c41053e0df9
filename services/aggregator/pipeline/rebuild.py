"""Full recomputation of the indicator state, from the response store or by replaying the topic.

The recomputation folds the same events with the same pure functions as the worker
(:func:`..state.fold.apply`) into documents with the same ids, so it must equal the incremental
state exactly. Only events the consumer group has already consumed (offset below the
group's committed offset of their partition) take part: later ones are still the workers'.

* ``store``: the stored responses (survey service) carry their event; the relay's
  ``outbox_log`` says which partition and offset each got once published. Appraisals are not
  stored there (Kafka is their durable log), so a store recomputation covers the ``skm``,
  ``peer`` and ``custom`` kinds and leaves appraisal state alone.
* ``topic``: reads every partition from its beginning up to the committed offset: all kinds.

:func:`write` replaces the state with a recomputation; run it with the workers stopped.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shared.contracts.events import InvalidEvent, decode, from_json
from shared.messaging import clients
from shared.messaging.consumer import read_range
from shared.messaging.topics import Topics
from shared.platform.config import Settings
from shared.records.responses import OutboxRecord, Response

from services.aggregator.pipeline.worker import group_id
from services.aggregator.state import fold, officer_index, store, training_facts

STORE_KINDS = (fold.SKM, fold.SKM_OFFICERS, fold.PEER, fold.CUSTOM)
ALL_KINDS = (fold.SKM, fold.SKM_OFFICERS, fold.PEER, fold.CUSTOM, fold.APPRAISAL)
Progress = Callable[[int], None]


@dataclass
class Recomputed:
    docs: dict[str, dict] = field(default_factory=dict)
    kinds: tuple[str, ...] = ALL_KINDS
    events: int = 0
    skipped: int = 0  # invalid events (the worker dead-letters them)

    def fold(self, topic: str, partition: int, offset: int, event) -> None:
        if training_facts.is_training(event):
            return    # facts, not state (state/training_facts): nothing to recompute
        for kind, scope, period in fold.targets(event):
            did = fold.doc_id(topic, partition, kind, scope, period)
            doc = self.docs.get(did)
            if doc is None:
                doc = self.docs[did] = fold.new_doc(topic, partition, kind, scope, period)
            fold.apply(doc, event, offset)
        self.events += 1


def committed_offsets(settings: Settings, topic: str) -> dict[int, int]:
    """partition -> the aggregator group's committed offset (0 where nothing was committed)."""
    return clients.committed_offsets(settings, group_id(settings), topic)


def end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    return clients.end_offsets(settings, topic)


def _positions(topic: str, committed: dict[int, int]) -> dict[str, tuple[int, int]]:
    """response id -> (partition, offset) for every logged event the group has consumed."""
    positions = {}
    for row in OutboxRecord._get_collection().find({"topic": topic}, {"partition": 1, "offset": 1}, batch_size=10000):
        if row["offset"] < committed.get(row["partition"], 0):
            positions[row["_id"]] = (row["partition"], row["offset"])
    return positions


def count_from_store(topic: str, committed: dict[int, int]) -> int:
    return len(_positions(topic, committed))


def from_store(settings: Settings, committed: dict[int, int] | None = None,
               progress: Progress | None = None) -> Recomputed:
    topic = Topics.from_settings(settings).responses
    committed = committed_offsets(settings, topic) if committed is None else committed
    positions = _positions(topic, committed)
    out = Recomputed(kinds=STORE_KINDS)
    rows = []
    for doc in Response._get_collection().find({"published": True}, {"outbox.event": 1}, batch_size=5000):
        where = positions.get(doc["_id"])
        if where is not None:
            rows.append((where, doc["outbox"]["event"]))
    for (partition, offset), data in sorted(rows, key=lambda r: r[0]):
        try:
            out.fold(topic, partition, offset, from_json(data))
        except (InvalidEvent, ValueError):
            out.skipped += 1
        if progress:
            progress(1)
    return out


def from_topic(settings: Settings, committed: dict[int, int] | None = None,
               progress: Progress | None = None, timeout_s: float = 120.0) -> Recomputed:
    topic = Topics.from_settings(settings).responses
    committed = committed_offsets(settings, topic) if committed is None else committed
    out = Recomputed(kinds=ALL_KINDS)

    def fold_records(tp, records) -> None:
        for record in records:
            try:
                out.fold(topic, tp.partition, record.offset, decode(record.value))
            except (InvalidEvent, ValueError):
                out.skipped += 1
            if progress:
                progress(1)

    read_range(settings, topic, {}, committed, fold_records, client_id="aggregator-rebuild", timeout_s=timeout_s)
    return out


def incremental(settings: Settings, kinds: Iterable[str]) -> dict[str, dict]:
    topic = Topics.from_settings(settings).responses
    return {d["_id"]: d for coll in store.collections()
            for d in coll.find({"topic": topic, "kind": {"$in": list(kinds)}})}


def _canonical(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, default=str)


def differences(current: dict[str, dict], recomputed: Recomputed, limit: int = 50) -> list[str]:
    """Human-readable differences between the incremental state and a recomputation."""
    out = []
    for did in sorted(set(current) | set(recomputed.docs)):
        a, b = current.get(did), recomputed.docs.get(did)
        if a is None:
            out.append(f"missing in the incremental state: {did}")
        elif b is None:
            out.append(f"not in the recomputation: {did} (applied {a.get('applied')})")
        elif _canonical(a) != _canonical(b):
            fields = sorted(k for k in set(a) | set(b) if _canonical(a.get(k)) != _canonical(b.get(k)))
            out.append(f"differs: {did}: {', '.join(fields)}")
        if len(out) >= limit:
            out.append("...")
            break
    return out


def write(settings: Settings, recomputed: Recomputed, progress: Progress | None = None) -> dict:
    """Replace the state of the recomputed kinds by the recomputation (workers stopped)."""
    current = incremental(settings, recomputed.kinds)
    stale = [did for did in current if did not in recomputed.docs]
    docs = list(recomputed.docs.values())
    officer_index.mark_officers(officer_index.officer_pairs(docs))   # before the state that counts them
    officer_index.mark_officer_index_complete()
    for start in range(0, len(docs), store.WRITE_CHUNK):
        store.save(docs[start:start + store.WRITE_CHUNK])
        if progress:
            progress(len(docs[start:start + store.WRITE_CHUNK]))
    store.delete(stale)
    return {"written": len(docs), "deleted": len(stale)}


def recompute(source: str, settings: Settings, committed: dict[int, int] | None = None,
              progress: Progress | None = None) -> Recomputed:
    if source == "store":
        return from_store(settings, committed, progress)
    if source == "topic":
        return from_topic(settings, committed, progress)
    raise ValueError("source must be store or topic")


def sizes(source: str, settings: Settings) -> tuple[dict[int, int], int]:
    """Committed offsets and how many events a recomputation from ``source`` will fold."""
    topic = Topics.from_settings(settings).responses
    committed = committed_offsets(settings, topic)
    if source == "store":
        return committed, count_from_store(topic, committed)
    return committed, sum(committed.values())
