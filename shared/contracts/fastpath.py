"""Fast acceptance of well-formed events: the aggregator's hot path.

Checking an event with marshmallow costs ~140 µs, 25 times the JSON decoding itself. These
hand-written checks accept the common, valid shapes of the busiest event types in a few
microseconds. Contract (property-tested in tests/unit/test_fastcheck.py): **whatever they
accept, the schema accepts too**. When they say no, the caller validates with the schema,
which has the last word and gives the reason.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from shared.contracts import formats, payloads
from shared.domain import berakhlak, skm

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:\d{2}$")
MONTH_RE = re.compile(formats.PERIOD_MONTH)
ENVELOPE_KEYS = frozenset(("event_id", "type", "schema_version", "occurred_at", "producer", "key", "payload"))
UNSUR = frozenset(skm.UNSUR_CODES)
VALUES = frozenset(berakhlak.VALUE_CODES)
RELATIONS = frozenset(berakhlak.RELATIONS)
CHANNELS = frozenset(formats.CHANNELS)
PROFILE = {category: frozenset(answers) for category, answers in skm.STORED_PROFILE.items()}


def _int(v: object) -> bool:
    return type(v) is int


def _text(v: object, lo: int, hi: int) -> bool:
    return type(v) is str and lo <= len(v) <= hi


def _aware(v: object) -> bool:
    if type(v) is not str or not ISO_RE.match(v):
        return False
    try:
        return datetime.fromisoformat(v).tzinfo is not None
    except ValueError:
        return False


def _code(v: object) -> bool:
    return type(v) is str and formats.CODE_RE.match(v) is not None


def envelope(data: object) -> bool:
    return (type(data) is dict and data.keys() == ENVELOPE_KEYS
            and type(data["event_id"]) is str and UUID_RE.match(data["event_id"]) is not None
            and _text(data["type"], 1, 100) and _int(data["schema_version"]) and data["schema_version"] >= 1
            and _aware(data["occurred_at"]) and _text(data["producer"], 1, 50) and _text(data["key"], 1, 200)
            and type(data["payload"]) is dict)


SKM_REQUIRED = frozenset(("response_id", "unit", "template_version", "period", "submitted_at", "answers", "channel"))
SKM_ALLOWED = SKM_REQUIRED | {"service", "officer", "profile", "client_hash", "has_comment"}


def skm_v1(p: dict[str, Any]) -> bool:
    keys = p.keys()
    if not (SKM_REQUIRED <= keys <= SKM_ALLOWED):
        return False
    answers = p["answers"]
    if type(answers) is not dict:
        return False
    for code, value in answers.items():
        if code not in UNSUR or type(value) is not int or not 1 <= value <= 4:
            return False
    profile = p.get("profile", {})
    if type(profile) is not dict or not all(k in PROFILE and (v is None or (type(v) is str and v in PROFILE[k]))
                                            for k, v in profile.items()):
        return False
    service, officer, client = p.get("service"), p.get("officer"), p.get("client_hash")
    return (type(p["response_id"]) is str and UUID_RE.match(p["response_id"]) is not None
            and _code(p["unit"]) and (service is None or _code(service))
            and (officer is None or (type(officer) is str and formats.NIP_RE.match(officer) is not None))
            and _int(p["template_version"]) and type(p["period"]) is str and MONTH_RE.match(p["period"]) is not None
            and _aware(p["submitted_at"]) and type(p["channel"]) is str and p["channel"] in CHANNELS
            and (client is None or (type(client) is str and len(client) <= 128))
            and type(p.get("has_comment", False)) is bool)


PEER_KEYS = frozenset(("response_id", "ratee", "ratee_unit", "rater_hash", "relation", "period", "submitted_at",
                       "template_version", "scale_max", "values"))


def peer_v1(p: dict[str, Any]) -> bool:
    if p.keys() != PEER_KEYS:
        return False
    values = p["values"]
    if type(values) is not dict or not all(k in VALUES and type(v) is int and 1 <= v <= 10 for k, v in values.items()):
        return False
    return (type(p["response_id"]) is str and UUID_RE.match(p["response_id"]) is not None
            and type(p["ratee"]) is str and formats.NIP_RE.match(p["ratee"]) is not None and _code(p["ratee_unit"])
            and _text(p["rater_hash"], 16, 128) and type(p["relation"]) is str and p["relation"] in RELATIONS
            and type(p["period"]) is str and MONTH_RE.match(p["period"]) is not None and _aware(p["submitted_at"])
            and _int(p["template_version"]) and _int(p["scale_max"]) and 2 <= p["scale_max"] <= 10)


PAYLOADS = {(payloads.SKM_RESPONSE, 1): skm_v1, (payloads.PEER_FEEDBACK, 1): peer_v1}
