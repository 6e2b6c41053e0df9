"""Held events: what the relay set aside because Kafka refused it for good (a response's or a
complaint's: ids are the response id or the ticket), and the admins' decisions about each
(release or discard). Decisions are insert-only records; the relay
applies them (it is the only writer of a response after its insert)."""
from __future__ import annotations

import uuid
from datetime import datetime

from shared.records.complaints import Complaint
from shared.records.responses import OutboxDecision, Response
from shared.records.trainings import TrainingFollowUp, TrainingReaction, TrainingScoreImport

SOURCES = (Response, Complaint, TrainingReaction, TrainingScoreImport, TrainingFollowUp)   # the relay's sources


class NotHeld(LookupError):
    """No held event with this response id."""


def backlog() -> dict:
    """The relay's backlog: how many stored responses wait to be published, since when, how
    many were, and the held events (shared by the API and the admin page)."""
    waiting = {"published": False, "held": {"$ne": True}}
    pending, published, oldest = 0, 0, None
    for source in SOURCES:
        coll = source._get_collection()
        first = next(iter(coll.find(waiting, {"received_at": 1}).sort("received_at", 1).limit(1)), None)
        if first is not None and (oldest is None or first["received_at"] < oldest):
            oldest = first["received_at"]
        pending += coll.count_documents(waiting)
        published += coll.count_documents({"published": True})
    return {"pending": pending, "oldest_pending_at": oldest.isoformat() if oldest else None,
            "published": published, "held": listing()}


def listing(limit: int = 200) -> list[dict]:
    """The held events, oldest first: id, reason, since when, and whether it was discarded."""
    out = []
    for source in SOURCES:
        rows = source._get_collection().find({"held": True}, {"held_reason": 1, "held_at": 1, "discarded": 1,
                                                              "unit": 1, "received_at": 1})
        out += [{"id": r["_id"], "unit": r.get("unit"), "reason": r.get("held_reason"), "held_at": r.get("held_at"),
                 "received_at": r.get("received_at"), "discarded": bool(r.get("discarded"))} for r in rows]
    return sorted(out, key=lambda r: r["held_at"] or r["received_at"])[:limit]


def decide(response_id: str, action: str, *, by: str, at: datetime) -> dict:
    """Record an admin's decision (``release`` or ``discard``) about a held event."""
    doc = None
    for source in SOURCES:
        doc = doc or source._get_collection().find_one({"_id": response_id, "held": True}, {"discarded": 1})
    if doc is None or doc.get("discarded"):
        raise NotHeld(response_id)
    decision = OutboxDecision(id=uuid.uuid4().hex, response_id=response_id, action=action, by=by, at=at)
    decision.save(force_insert=True)
    return {"id": decision.id, "response_id": response_id, "action": action, "by": by, "at": at}
