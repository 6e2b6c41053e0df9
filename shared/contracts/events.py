"""The versioned event envelope every producer writes and every consumer reads.

Wire format: UTF-8 JSON of :class:`EnvelopeSchema`. The envelope's ``payload`` is checked
against the payload schema registered for ``(type, schema_version)`` in
:mod:`shared.contracts`; a message that fails either check is an :class:`InvalidEvent`
(consumers send it to the dead-letter topic with the reason).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from marshmallow import Schema, ValidationError, fields, validate


class InvalidEvent(ValueError):
    """A message that is not a valid event; ``reason`` says why (no payload data in it, and
    no key of it: only the names of the schema's own fields)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class EventTooLarge(InvalidEvent):
    """An event whose encoded form exceeds :data:`shared.contracts.MAX_EVENT_BYTES`."""


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    producer = fields.String(required=True, validate=validate.Length(min=1, max=50))
    key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    payload = fields.Dict(keys=fields.String(), required=True)


_ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class Event:
    """An event; ``payload`` holds JSON values already checked against its schema."""

    event_id: uuid.UUID
    type: str
    schema_version: int
    occurred_at: datetime
    producer: str
    key: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _ENVELOPE.dump(self)
        return data

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False).encode()


class Clock(Protocol):
    """What an event needs of a clock (:class:`shared.platform.clock.Clock` is one)."""

    def now(self) -> datetime: ...


def new_event(type: str, key: str, payload: dict[str, Any], *, producer: str, clock: Clock | None = None,
              event_id: uuid.UUID | None = None) -> Event:
    """Build an event, validating ``payload`` against the registered schema (latest version)."""
    from shared.contracts import payloads

    version = payloads.latest_version(type)
    schema = payloads.payload_schema(type, version)
    errors = schema.validate(payload)
    if errors:
        raise InvalidEvent(f"bad payload for {type}: fields {_field_names(errors, schema)}")
    problem = payloads.bad_keys(payload)
    if problem:
        raise InvalidEvent(f"bad payload for {type}: {problem}")
    event = Event(event_id=event_id or uuid.uuid4(), type=type, schema_version=version,
                  occurred_at=clock.now() if clock else datetime.now(UTC), producer=producer, key=key, payload=payload)
    size = len(event.encode())
    if size > payloads.MAX_EVENT_BYTES:
        raise EventTooLarge(f"event of {size} bytes, more than {payloads.MAX_EVENT_BYTES}")
    return event


def from_json(data: dict[str, Any]) -> Event:
    """Validate an envelope given as a dict (e.g. stored in an outbox)."""
    from shared.contracts import fastpath, payloads

    if fastpath.envelope(data):
        accept = fastpath.PAYLOADS.get((data["type"], data["schema_version"]))
        if accept is not None and accept(data["payload"]):
            return Event(event_id=uuid.UUID(data["event_id"]), type=data["type"],
                         schema_version=data["schema_version"],
                         occurred_at=datetime.fromisoformat(data["occurred_at"]), producer=data["producer"],
                         key=data["key"], payload=data["payload"])

    try:
        env = _ENVELOPE.load(data)
    except ValidationError as exc:
        raise InvalidEvent(f"bad envelope: {_field_names(exc.messages, _ENVELOPE)}") from None
    try:
        schema = payloads.payload_schema(env["type"], env["schema_version"])
    except KeyError:
        raise InvalidEvent("unknown event type/version") from None
    errors = schema.validate(env["payload"])
    if errors:
        raise InvalidEvent(f"bad payload for {env['type']}: fields {_field_names(errors, schema)}")
    problem = payloads.bad_keys(env["payload"])
    if problem:
        raise InvalidEvent(f"bad payload for {env['type']}: {problem}")
    return Event(**env)


def decode(raw: bytes | None) -> Event:
    if raw is None:
        raise InvalidEvent("empty message")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidEvent("not JSON") from None
    except RecursionError:
        raise InvalidEvent("nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidEvent("not a JSON object")
    return from_json(data)


def _field_names(messages: object, schema: Schema) -> list[str]:
    """The schema's fields that failed, sorted; fields it does not declare are counted as
    ``unknown`` (their names are whatever the sender wrote, so they never reach a reason,
    a header or a log)."""
    if not isinstance(messages, dict):
        return ["_schema"]
    names = {str(key) if key in schema.fields or key == "_schema" else "unknown" for key in messages}
    return sorted(names)
