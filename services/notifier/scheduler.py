"""The notifier's scheduler: ``tick(now)`` escalates, reminds, retries and sends digests.

Driven by the worker loop with the system clock, by ``python -m services.notifier tick``
(once), and by tests with a manual clock. Every step claims what it does (history
entries under ``(case_id, seq)``, deliveries under their keys, attempts under
``(delivery_id, no)``), so two ticks running at once, or a tick racing a supervisor's
acknowledgement, never do a thing twice.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from shared.platform.config import Settings

from services.notifier import casestate, delivery_timing, history, notify, routing
from services.notifier.deliveries import Sender
from services.notifier.models import CaseHistoryEntry, FollowUpCase

log = logging.getLogger(__name__)


def open_cases() -> list[FollowUpCase]:
    """Cases without a resolution (the only ones the scheduler can still act on)."""
    resolved = set(CaseHistoryEntry.objects(kind="resolved").distinct("case_id"))
    return [c for c in FollowUpCase.objects.order_by("opened_at") if c.case_id not in resolved]


def tick(settings: Settings, now: datetime, sender: Sender, directory: routing.Directory | None = None,
         progress=None) -> Counter:
    directory = directory or routing.LiveDirectory()
    counts: Counter = Counter()
    after = timedelta(days=settings.escalate_after_days)
    today = delivery_timing.local_day(now, settings.timezone)
    cases = open_cases()
    states = history.load_many(cases)
    for index, case in enumerate(cases, 1):
        state = states[case.case_id]
        if casestate.escalation_due(state, now, after):
            counts["escalated"] += escalate(settings, case, now, after, directory)
        for dialogue in casestate.reminders_due(state, today):
            counts["reminded"] += remind(settings, case, dialogue, now, today)
        if progress and index % 100 == 0:
            progress(f"checked {index}/{len(cases)} open cases")
    counts["digests"] += len(notify.send_digests(settings, now))
    for outcome, n in sender.dispatch_due(now).items():
        counts[outcome] += n
    if any(counts.values()):
        log.info("tick", extra=dict(counts))
    return counts


def escalate(settings: Settings, case: FollowUpCase, now: datetime, after: timedelta,
             directory: routing.Directory) -> int:
    def decide(state):
        target = routing.next_level(directory, state.assignee_nip, case.subject, case.unit)
        return casestate.decide_escalate(state, now, after, target.as_tuple())

    try:
        done = history.append(case, decide, at=now, by="scheduler")
    except casestate.Refused:
        return 0  # acknowledged (or escalated) in the meantime: nothing to do
    if not done.created or done.entry is None:  # created: the entry is the one appended
        return 0
    data = done.entry.data
    notify.notify(settings, case, f"escalated-{data['level']}", done.entry.to_nip, now=now,
                  assignee_kind=data["to_kind"], reason=data["reason"])
    log.info("case escalated", extra={"case_id": case.case_id, "level": data["level"], "to_kind": data["to_kind"]})
    return 1


def remind(settings: Settings, case: FollowUpCase, dialogue: dict, now: datetime, today) -> int:
    try:
        done = history.append(case, lambda s: casestate.decide_remind(s, dialogue["seq"], today), at=now,
                              by="scheduler")
    except casestate.Refused:
        return 0
    if not done.created:
        return 0
    to_nip = dialogue.get("by_nip") or done.state.assignee_nip
    notify.notify(settings, case, f"reminder-{dialogue['seq']}", to_nip, now=now,
                  assignee_kind=done.state.assignee_kind, follow_up=dialogue.get("follow_up"))
    return 1
