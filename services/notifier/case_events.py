"""Handling one coaching-case event: store the case once, route it, claim its notifications.

Idempotent: a redelivered ``coaching.case.opened`` finds the case stored (its insert is
keyed by ``case_id``) and every notification already claimed, so nothing is sent twice;
a crash between the insert and the claims is repaired by the redelivery.
"""
from __future__ import annotations

import logging
from datetime import datetime

from mongoengine.errors import NotUniqueError

from shared.contracts.events import Event
from shared.contracts.payloads import CASE_CLOSED, CASE_OPENED, RECOGNITION
from shared.platform.config import Settings

from services.notifier import casestate, history, notify, routing
from services.notifier.models import FollowUpCase

log = logging.getLogger(__name__)


def handle_event(settings: Settings, event: Event, now: datetime,
                 directory: routing.Directory | None = None) -> str:
    """Apply one case event; returns what happened (for counters and logs)."""
    p = event.payload
    if event.type == CASE_OPENED:
        case = open_case(p, event, now, directory or routing.LiveDirectory())
        notify.notify(settings, case, "opened", case.assignee_nip, now=now, assignee_kind=case.assignee_kind,
                      reason=case.route_reason)
        return "opened"
    if event.type == CASE_CLOSED:
        case = FollowUpCase.objects(pk=p["case_id"]).first()
        if case is None:
            log.warning("closed event for an unknown case", extra={"case_id": p["case_id"]})
            return "unknown"
        done = history.append(case, casestate.decide_clear, at=now, by="aggregator")
        notify.notify(settings, case, "closed", done.state.assignee_nip, now=now,
                      assignee_kind=done.state.assignee_kind, channels=("inbox", "webhook"))
        return "closed"
    if event.type == RECOGNITION:
        from services.notifier import appreciations
        return appreciations.received(settings, event, now, directory or routing.LiveDirectory())
    log.warning("ignoring an event of another type", extra={"type": event.type})
    return "ignored"


def open_case(p: dict, event: Event, now: datetime, directory: routing.Directory) -> FollowUpCase:
    existing = FollowUpCase.objects(pk=p["case_id"]).first()
    if existing is not None:
        return existing
    route = routing.first_assignee(directory, p["subject_type"], p["subject"], p.get("unit"))
    case = FollowUpCase(case_id=p["case_id"], rule=p["rule"], subject_type=p["subject_type"], subject=p["subject"],
                unit=p.get("unit"), period=p["period"], opened_at=_dt(p["opened_at"]), severity=p["severity"],
                summary=p["summary"], evidence=p["evidence"], event_id=str(event.event_id), received_at=now,
                assignee_nip=route.nip, assignee_kind=route.kind, route_reason=route.reason)
    try:
        case.save(force_insert=True)
    except NotUniqueError:
        return FollowUpCase.objects(pk=p["case_id"]).first()
    log.info("case opened", extra={"case_id": case.case_id, "assignee_kind": route.kind, "reason": route.reason})
    return case


def _dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
