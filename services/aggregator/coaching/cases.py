"""Coaching cases as insert-only records, and their events on the coaching topic.

Several workers (owning different partitions) may decide about the same subject at once,
so nothing here is updated after insert:

* ``agg_cases``: one document per case, ``_id`` = case id = ``rule|subject|period|generation``.
  Opening a case is *claiming* that id by inserting it; a duplicate-key error means another
  worker opened it first, and the case event is published again (the notifier dedupes by
  case id and type). Generation ``n+1`` is only opened once generation ``n`` is closed, so a
  slot (rule, subject, period) never has two open cases.
* ``agg_case_closures``: ``_id`` = case id; inserting it closes the case (a duplicate means
  it was already closed).
* ``agg_case_events``: ``_id`` = ``case id|opened`` or ``case id|closed``, inserted after the
  event was acknowledged by Kafka; a case or closure without it is published again the next
  time its slot is evaluated.
"""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from mongoengine import DateTimeField, DictField, Document, IntField, StringField
from pymongo.errors import DuplicateKeyError

from shared.contracts import payloads
from shared.contracts.events import Event, new_event
from shared.messaging.clients import send_event
from shared.platform import db

from services.aggregator.coaching.rules import RECOGNITION_KINDS, Action, Finding, Recorded, decide

log = logging.getLogger(__name__)
PRODUCER = "aggregator"


class CaseOpening(Document):
    meta = {"collection": "agg_cases", "indexes": ["slot", ("subject_type", "subject"), "period"]}
    id = StringField(primary_key=True)
    slot = StringField(required=True)
    rule = StringField(required=True)
    kind = StringField(required=True)
    generation = IntField(required=True)
    subject_type = StringField(required=True)
    subject = StringField(required=True)
    unit = StringField()
    period = StringField(required=True)
    severity = StringField(required=True)
    opened_at = DateTimeField(required=True)
    summary = DictField(required=True)
    evidence = DictField(required=True)


class CaseClosure(Document):
    meta = {"collection": "agg_case_closures"}
    id = StringField(primary_key=True)
    closed_at = DateTimeField(required=True)
    summary = DictField(required=True)
    evidence = DictField(required=True)


class CaseEventPublished(Document):
    meta = {"collection": "agg_case_events"}
    id = StringField(primary_key=True)
    at = DateTimeField(required=True)


def recorded(slots: list[str]) -> dict[str, list[tuple[dict, dict | None, set[str]]]]:
    """slot -> [(case, closure or None, published types)].

    One query per collection, whatever the number of slots: the local MongoDB-protocol server
    answers ``$in`` by reading the whole collection, so several chunks would read it several
    times. The slot's rule (an equality the server can hand to its storage) narrows the cases.
    """
    wanted = set(slots)
    if not wanted:
        return {}
    rules = sorted({slot.split("|", 1)[0] for slot in wanted})
    found = [c for c in CaseOpening._get_collection().find({"rule": rules[0]} if len(rules) == 1 else
                                                   {"rule": {"$in": rules}})
             if c["slot"] in wanted]
    ids = {c["_id"] for c in found}
    closures = {c["_id"]: c for c in CaseClosure._get_collection().find({}) if c["_id"] in ids} if ids else {}
    keys = {f"{i}|{t}" for i in ids for t in ("opened", "closed")}
    published = {p["_id"] for p in CaseEventPublished._get_collection().find({}, {"_id": 1})
                 if p["_id"] in keys} if ids else set()
    out: dict[str, list] = {}
    for case in found:
        types = {t for t in ("opened", "closed") if f"{case['_id']}|{t}" in published}
        out.setdefault(case["slot"], []).append((case, closures.get(case["_id"]), types))
    return out


def listing(*, status: str = "all", period: str | None = None, unit: str | None = None, rule: str | None = None,
            nips: set[str] | None = None, limit: int = 200, recognitions: bool = False,
            periods: list[str] | None = None) -> list[dict]:
    """Cases newest first, each with ``closed_at`` (None while open). ``status``: open, closed
    or all; ``nips``: only employee cases of these people (None: every case); ``recognitions``:
    the appreciations instead of the coaching cases."""
    query: dict = {"kind": {"$in" if recognitions else "$nin": list(RECOGNITION_KINDS)}}
    for name, value in (("period", period), ("unit", unit), ("rule", rule)):
        if value:
            query[name] = value
    if nips is not None:
        query.update(subject_type="employee", subject={"$in": sorted(nips)})
    if periods is not None:
        query["period"] = {"$in": sorted(set(periods))}
    found = list(CaseOpening._get_collection().find(query).sort("opened_at", -1).limit(limit * 2))
    closures = {c["_id"]: c for c in CaseClosure._get_collection().find({"_id": {"$in": [c["_id"] for c in found]}})}
    out = []
    for case in found:
        closed = closures.get(case["_id"])
        if (status == "open" and closed) or (status == "closed" and not closed):
            continue
        out.append({**case, "closed_at": closed["closed_at"] if closed else None})
    return out[:limit]


def as_recorded(entries) -> list[Recorded]:
    return [Recorded(case["_id"], case["generation"], closure is not None, "opened" in types, "closed" in types)
            for case, closure, types in entries]


class Decider:
    """Turns findings into case records and events. ``producer`` sends to ``topic``."""

    def __init__(self, producer, topic: str, clock, unit_of=None):
        self.producer = producer
        self.topic = topic
        self.clock = clock
        self.unit_of = unit_of or (lambda finding: finding.unit)
        self.counts = {"opened": 0, "closed": 0, "republished": 0}

    def apply(self, findings: list[Finding]) -> None:
        if not findings:
            return
        history = recorded(sorted({f.slot for f in findings}))
        sends: list[tuple[str, Event]] = []
        for finding in findings:
            entries = history.get(finding.slot, [])
            by_id = {case["_id"]: (case, closure) for case, closure, _ in entries}
            for action in decide(finding, as_recorded(entries)):
                sends += self._do(action, finding, by_id)
        if not sends:
            return
        futures = [(key, send_event(self.producer, self.topic, event)) for key, event in sends]
        self.producer.flush(timeout=30)
        now = self.clock.now()
        marks = []
        for key, future in futures:
            future.get(timeout=1)  # raises if Kafka did not take it: the batch is retried
            marks.append({"_id": key, "at": now})
        _insert_ignoring_duplicates(CaseEventPublished, marks)

    def _do(self, action: Action, finding: Finding, by_id: dict) -> list[tuple[str, Event]]:
        opened = payloads.RECOGNITION if finding.rule.kind in RECOGNITION_KINDS else payloads.CASE_OPENED
        if action.what == "open":
            case = self._open(action, finding)
            return [(f"{case['_id']}|opened", self._event(opened, case, None))]
        if action.what == "close":
            case, _ = by_id[action.case_id]
            closure = self._close(action, finding)
            return [(f"{case['_id']}|closed", self._event(payloads.CASE_CLOSED, case, closure))]
        case, closure = by_id[action.case_id]
        self.counts["republished"] += 1
        if action.what == "publish_opened":
            return [(f"{case['_id']}|opened", self._event(opened, case, None))]
        return [(f"{case['_id']}|closed", self._event(payloads.CASE_CLOSED, case, closure))]

    def _open(self, action: Action, finding: Finding) -> dict:
        doc = {"_id": action.case_id, "slot": finding.slot, "rule": finding.rule.code, "kind": finding.rule.kind,
               "generation": action.generation, "subject_type": finding.subject_type, "subject": finding.subject,
               "unit": self.unit_of(finding), "period": finding.period, "severity": finding.rule.severity,
               "opened_at": self.clock.now(), "summary": finding.summary, "evidence": finding.evidence}
        try:
            CaseOpening._get_collection().insert_one(doc)
            self.counts["opened"] += 1
            log.info("coaching case opened", extra={"case_id": action.case_id})
            return doc
        except DuplicateKeyError:  # another worker claimed it first: publish what it stored
            self.counts["republished"] += 1
            return CaseOpening._get_collection().find_one({"_id": action.case_id})

    def _close(self, action: Action, finding: Finding) -> dict:
        doc = {"_id": action.case_id, "closed_at": self.clock.now(),
               "summary": {"id": "Pulih: " + finding.summary["id"], "en": "Recovered: " + finding.summary["en"]},
               "evidence": finding.evidence}
        try:
            CaseClosure._get_collection().insert_one(doc)
            self.counts["closed"] += 1
            log.info("coaching case closed", extra={"case_id": action.case_id})
            return doc
        except DuplicateKeyError:
            return CaseClosure._get_collection().find_one({"_id": action.case_id})

    def _event(self, type: str, case: dict, closure: dict | None) -> Event:
        payload = {"case_id": case["_id"], "rule": case["rule"], "subject_type": case["subject_type"],
                   "subject": case["subject"], "unit": case.get("unit"), "period": case["period"],
                   "opened_at": _iso(case["opened_at"]), "closed_at": _iso(closure["closed_at"]) if closure else None,
                   "severity": case["severity"], "summary": closure["summary"] if closure else case["summary"],
                   "evidence": closure["evidence"] if closure else case["evidence"]}
        # The event id follows from the case and the type: a re-publication carries the same id.
        event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"tanggap-case:{case['_id']}|{type}")
        return new_event(type, case["subject"], payload, producer=PRODUCER, clock=self.clock, event_id=event_id)


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _insert_ignoring_duplicates(document, docs: list[dict]) -> None:
    db.insert_new(document._get_collection(), docs)
