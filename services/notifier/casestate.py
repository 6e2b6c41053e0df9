"""A case's state is the fold of its history; each action is decided against that state.

Pure functions, no I/O. The storage layer (:mod:`.history`) reads the entries, folds them,
asks a ``decide_*`` function for the next entry and claims it under ``(case_id, seq)``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"


class CaseLike(Protocol):
    """What :func:`fold` reads of a case (a :class:`~.models.FollowUpCase`)."""

    @property
    def case_id(self) -> str: ...
    @property
    def assignee_nip(self) -> str | None: ...
    @property
    def assignee_kind(self) -> str: ...
    @property
    def received_at(self) -> datetime | None: ...


class EntryLike(Protocol):
    """What :func:`fold` reads of a history entry (a :class:`~.models.CaseHistoryEntry`)."""

    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def by(self) -> str: ...
    @property
    def by_nip(self) -> str | None: ...
    @property
    def to_nip(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any]: ...


class Refused(Exception):
    """The action does not fit the case's state (answered with 409)."""

    def __init__(self, message: str, message_en: str, code: str = "conflict"):
        super().__init__(message_en)
        self.message, self.message_en, self.code = message, message_en, code


@dataclass(frozen=True)
class Same:
    """The action was already done by the same person: answer with the earlier result."""

    seq: int


@dataclass
class CaseState:
    case_id: str
    status: str = OPEN
    level: int = 0                     # 0 = first assignee, +1 per escalation
    assignee_nip: str | None = None
    assignee_kind: str = "supervisor"
    assigned_at: datetime | None = None
    assignees: list[str] = field(default_factory=list)  # everyone the case was ever assigned to
    acknowledged: dict[str, Any] | None = None   # {"seq", "at", "by", "by_nip"}
    resolved: dict[str, Any] | None = None
    cleared_at: datetime | None = None
    dialogues: list[dict[str, Any]] = field(default_factory=list)
    reminded: set[int] = field(default_factory=set)  # seq of dialogues already reminded about
    escalations: list[dict[str, Any]] = field(default_factory=list)
    last_seq: int = 0

    @property
    def next_seq(self) -> int:
        return self.last_seq + 1


def fold(case: CaseLike, entries: Iterable[EntryLike]) -> CaseState:
    """The state of ``case`` (its first assignment) after ``entries`` (any order)."""
    state = CaseState(case_id=case.case_id, assignee_nip=case.assignee_nip, assignee_kind=case.assignee_kind,
                      assigned_at=case.received_at)
    if case.assignee_nip:
        state.assignees.append(case.assignee_nip)
    for e in sorted(entries, key=lambda e: e.seq):
        state.last_seq = max(state.last_seq, e.seq)
        who = {"seq": e.seq, "at": e.at, "by": e.by, "by_nip": e.by_nip}
        if e.kind == "acknowledged" and state.acknowledged is None:
            state.acknowledged = who
            state.status = ACKNOWLEDGED if state.status == OPEN else state.status
        elif e.kind == "dialogue":
            state.dialogues.append({**who, **e.data})
        elif e.kind == "resolved" and state.resolved is None:
            state.resolved = {**who, "notes": e.data.get("notes")}
            state.status = RESOLVED
        elif e.kind == "escalated":
            state.level = int(e.data.get("level", state.level + 1))
            state.assignee_nip = e.to_nip
            state.assignee_kind = e.data.get("to_kind", "supervisor")
            state.assigned_at = e.at
            state.escalations.append({**who, **e.data})
            if e.to_nip and e.to_nip not in state.assignees:
                state.assignees.append(e.to_nip)
        elif e.kind == "reminded":
            state.reminded.add(int(e.data.get("dialogue_seq", 0)))
        elif e.kind == "cleared" and state.cleared_at is None:
            state.cleared_at = e.at
    return state


# -- decisions: each returns the entry to append (kind, data, to_nip), Same, or raises Refused --

Decision = tuple[str, dict[str, Any], str | None] | Same


def decide_acknowledge(state: CaseState, actor_sub: str, expected_level: int) -> Decision:
    if state.acknowledged is not None:
        if state.acknowledged["by"] == actor_sub:
            return Same(state.acknowledged["seq"])
        raise Refused("Kasus sudah diakui oleh orang lain", "The case was already acknowledged by someone else",
                      code="already_acknowledged")
    if state.status == RESOLVED:
        raise Refused("Kasus sudah diselesaikan", "The case is already resolved", code="already_resolved")
    if state.level != expected_level:
        raise Refused("Kasus baru saja dieskalasi ke tingkat berikutnya",
                      "The case was just escalated to the next level", code="escalated")
    return ("acknowledged", {"level": state.level}, None)


def decide_dialogue(state: CaseState, data: dict[str, Any]) -> Decision:
    if state.status == RESOLVED:
        raise Refused("Kasus sudah diselesaikan", "The case is already resolved", code="already_resolved")
    if state.acknowledged is None:
        raise Refused("Akui kasus terlebih dahulu", "Acknowledge the case first", code="not_acknowledged")
    return ("dialogue", data, None)


def decide_resolve(state: CaseState, actor_sub: str, notes: str | None) -> Decision:
    if state.resolved is not None:
        if state.resolved["by"] == actor_sub:
            return Same(state.resolved["seq"])
        raise Refused("Kasus sudah diselesaikan", "The case is already resolved", code="already_resolved")
    if state.acknowledged is None:
        raise Refused("Akui kasus terlebih dahulu", "Acknowledge the case first", code="not_acknowledged")
    if not state.dialogues:
        raise Refused("Catat dialog pembinaan sebelum menyelesaikan kasus",
                      "Record the coaching dialogue before resolving the case", code="no_dialogue")
    return ("resolved", {"notes": notes}, None)


def escalation_due(state: CaseState, now: datetime, after: timedelta) -> bool:
    """Unacknowledged, unresolved, not cleared by the aggregator, and waiting ``after`` since assigned."""
    return (state.acknowledged is None and state.resolved is None and state.cleared_at is None
            and state.assignee_kind != "admin" and state.assigned_at is not None and now >= state.assigned_at + after)


def decide_escalate(state: CaseState, now: datetime, after: timedelta,
                    next_level: tuple[str | None, str, str]) -> Decision:
    """``next_level`` = (nip or None for the admin, kind, reason) from routing."""
    if not escalation_due(state, now, after):
        raise Refused("Eskalasi tidak lagi diperlukan", "Escalation is no longer due", code="not_due")
    nip, kind, reason = next_level
    return ("escalated", {"level": state.level + 1, "from_nip": state.assignee_nip, "from_kind": state.assignee_kind,
                          "to_kind": kind, "reason": reason}, nip)


def reminders_due(state: CaseState, today: date) -> list[dict[str, Any]]:
    """Dialogues whose follow-up date has passed (local ``today`` is after it), not yet reminded."""
    if state.resolved is not None:
        return []
    out = []
    for d in state.dialogues:
        follow = d.get("follow_up")
        if follow and date.fromisoformat(follow) < today and d["seq"] not in state.reminded:
            out.append(d)
    return out


def decide_remind(state: CaseState, dialogue_seq: int, today: date) -> Decision:
    if not any(d["seq"] == dialogue_seq for d in reminders_due(state, today)):
        raise Refused("Pengingat tidak lagi diperlukan", "Reminder no longer due", code="not_due")
    return ("reminded", {"dialogue_seq": dialogue_seq}, None)


def decide_clear(state: CaseState) -> Decision:
    if state.cleared_at is not None:
        return Same(state.last_seq)
    return ("cleared", {}, None)
