"""Building aggregator input for tests: events, stored responses, publishing and workers."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from shared.contracts import payloads
from shared.contracts.events import Event, new_event
from shared.messaging.clients import make_producer, send_event
from shared.messaging.topics import Topics
from shared.platform.config import Settings
from shared.records.responses import Outbox, OutboxRecord, Response

from tests.support.waiting import eventually

WHEN = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
ALL_UNSUR = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
VALUES = ("BO", "AK", "KO", "HA", "LO", "AD", "KL")


def nip(n: int) -> str:
    """A plausible NIP (born 1990-01-01, appointed 2015-01)."""
    return f"19900101201501{n:04d}"


def skm_event(unit: str, answers: dict | int, *, officer: str | None = None, service: str | None = None,
              period: str = "2026-11", channel: str = "web", client: str | None = None,
              profile: dict | None = None) -> Event:
    """An SKM event; each from a client of its own unless ``client`` names one."""
    answers = dict.fromkeys(ALL_UNSUR, answers) if isinstance(answers, int) else answers
    payload = {"response_id": str(uuid.uuid4()), "unit": unit, "service": service, "officer": officer,
               "template_version": 1, "period": period, "submitted_at": WHEN.isoformat(), "answers": answers,
               "profile": {"sex": "P"} if profile is None else profile, "channel": channel,
               "client_hash": client or uuid.uuid4().hex[:32], "has_comment": False}
    return new_event(payloads.SKM_RESPONSE, unit, payload, producer="test")


def peer_event(ratee: str, rater: str, values: dict | int, *, unit: str = "DISDUK", relation: str = "peer",
               period: str = "2026-11", scale_max: int = 5) -> Event:
    values = dict.fromkeys(VALUES, values) if isinstance(values, int) else values
    payload = {"response_id": str(uuid.uuid4()), "ratee": ratee, "ratee_unit": unit,
               "rater_hash": f"rater-{rater}".ljust(16, "x"), "relation": relation, "period": period,
               "submitted_at": WHEN.isoformat(), "template_version": 1, "scale_max": scale_max, "values": values}
    return new_event(payloads.PEER_FEEDBACK, ratee, payload, producer="test")


def appraisal_event(who: str, period: str, hasil_kerja: str, unit: str = "DISDUK") -> Event:
    payload = {"appraisal_id": str(uuid.uuid4()), "nip": who, "unit": unit, "period": period,
               "hasil_kerja": hasil_kerja, "recorded_at": WHEN.isoformat()}
    return new_event(payloads.APPRAISAL, who, payload, producer="test")


def response_doc(settings: Settings, event: Event) -> Response:
    """The stored response the survey service would have written for ``event`` (unpublished)."""
    p = event.payload
    peer = event.type == payloads.PEER_FEEDBACK
    return Response(
        id=p["response_id"], kind="peer" if peer else "skm", template="peer" if peer else "skm", template_version=1,
        unit=p["ratee_unit"] if peer else p["unit"], service=p.get("service"), officer=p.get("officer"),
        period=p["period"], submitted_at=WHEN, received_at=WHEN, answers=p["values"] if peer else p["answers"],
        channel=p.get("channel", "web"), fingerprint=p["response_id"], ratee=p.get("ratee"),
        rater_hash=p.get("rater_hash"), relation=p.get("relation"),
        outbox=Outbox(topic=Topics.from_settings(settings).responses, key=event.key, event=event.to_json()))


def store_responses(settings: Settings, events: list[Event]) -> None:
    """Insert the responses (as the survey API does), to be published by the relay."""
    docs = [response_doc(settings, e).to_mongo().to_dict() for e in events]
    for start in range(0, len(docs), 2000):
        Response._get_collection().insert_many(docs[start:start + 2000], ordered=False)


def publish_and_store(settings: Settings, events: list[Event]) -> None:
    """What the survey service and its relay leave behind: each event on the topic and its
    stored response, marked published at the partition and offset Kafka gave it."""
    positions = publish(settings, events)
    docs, records = [], []
    topic = Topics.from_settings(settings).responses
    for event, (partition, offset) in zip(events, positions):
        doc = response_doc(settings, event)
        doc.published, doc.published_at = True, WHEN
        docs.append(doc.to_mongo().to_dict())
        records.append({"_id": doc.id, "topic": topic, "partition": partition, "offset": offset, "published_at": WHEN})
    for start in range(0, len(docs), 2000):
        Response._get_collection().insert_many(docs[start:start + 2000], ordered=False)
        OutboxRecord._get_collection().insert_many(records[start:start + 2000], ordered=False)


def publish(settings: Settings, events: list[Event], raw: list[tuple[str, bytes]] = ()) -> list[tuple[int, int]]:
    """Send events (and raw messages) straight to the responses topic; returns (partition, offset)."""
    producer = make_producer(settings, client_id="test-publisher")
    topic = Topics.from_settings(settings).responses
    try:
        futures = [send_event(producer, topic, e) for e in events]
        futures += [producer.send(topic, key=key, value=value) for key, value in raw]
        producer.flush(timeout=30)
        return [(f.get(timeout=10).partition, f.get(timeout=10).offset) for f in futures]
    finally:
        producer.close(timeout=5)


class WorkerThread:
    """An in-process worker of the aggregator group, stopped at the end of the test."""

    def __init__(self, settings: Settings, clock=None, **kw):
        from services.aggregator.pipeline.worker import IndicatorWorker
        self.worker = IndicatorWorker(settings, clock=clock, **kw)
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.worker.run(self.stop)
        except BaseException as exc:  # reported by the test through .error
            self.error = exc

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)

    def wait_for(self, events: int, timeout: float = 60) -> None:
        eventually(lambda: self.error or self.worker.stats["events"] + self.worker.stats["dead_lettered"] >= events,
                   timeout=timeout, message=f"worker did not handle {events} events")
        if self.error:
            raise self.error


def lag(settings: Settings) -> int:
    """Events in the responses topic the group has not committed yet."""
    from services.aggregator.pipeline.rebuild import committed_offsets, end_offsets
    topic = Topics.from_settings(settings).responses
    ends, done = end_offsets(settings, topic), committed_offsets(settings, topic)
    return sum(ends[p] - done.get(p, 0) for p in ends)
