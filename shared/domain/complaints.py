"""Citizens' complaints and suggestions (saran dan pengaduan): kinds, states and the
ticket's life, as pure functions.

A ticket's history is a list of entries (insert-only, numbered ``seq`` 1, 2, ...); its state
is their fold, and every action is decided against that state (the notifier appends what
:func:`decide` returns under the unique ``(ticket, seq)``, so of two handlers acting at once
one wins and the other is decided again). The life follows SP4N-LAPOR!::

    diterima --verify--> diverifikasi --follow_up--> ditindaklanjuti --answer--> selesai
        |  \\--reject (reason)--> ditolak                 \\--------answer------/
        \\--forward (unit)--> dialihkan (the new unit verifies, rejects or forwards again)

Deadlines are in working days: verification within ``verify_days`` of the ticket reaching
its current unit (received or forwarded), the answer within ``answer_days`` of verification.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain import workdays

KINDS = ("pengaduan", "aspirasi", "informasi")
KIND_LABELS = {"pengaduan": ("Pengaduan", "Complaint"), "aspirasi": ("Aspirasi / saran", "Suggestion"),
               "informasi": ("Permintaan informasi", "Request for information")}
RECEIVED, VERIFIED, REJECTED, FORWARDED, IN_PROGRESS, DONE = (
    "diterima", "diverifikasi", "ditolak", "dialihkan", "ditindaklanjuti", "selesai")
STATES = (RECEIVED, VERIFIED, REJECTED, FORWARDED, IN_PROGRESS, DONE)
STATE_LABELS = {RECEIVED: ("Diterima", "Received"), VERIFIED: ("Diverifikasi", "Verified"),
                REJECTED: ("Ditolak", "Rejected"), FORWARDED: ("Dialihkan", "Forwarded"),
                IN_PROGRESS: ("Ditindaklanjuti", "In progress"), DONE: ("Selesai", "Answered")}
FINAL = (REJECTED, DONE)
WAITING_VERIFICATION = (RECEIVED, FORWARDED)
WAITING_ANSWER = (VERIFIED, IN_PROGRESS)
# entry kinds a handler appends (the state each leads to) and the scheduler's own
ACTIONS = {"verified": VERIFIED, "rejected": REJECTED, "forwarded": FORWARDED, "followed_up": IN_PROGRESS,
           "answered": DONE, "duplicate": DONE}
SCHEDULER_KINDS = ("reminded", "escalated")
# what becomes a complaint.status.changed event: every handler's action, and each escalation
# (a deadline passed: the aggregator decides the complaints-sla rule again on it)
PUBLISHED_KINDS = (*ACTIONS, "escalated")
TEXT_MAX = 4000      # a complaint's text and a public reply
REASON_MAX = 1000    # a rejection's reason, a progress note
TICKET = r"^ADU-[0-9]{4}-(0[1-9]|1[0-2])-[0-9]{6,9}$"


class EntryLike(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def by(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


class Refused(Exception):
    """The action does not fit the ticket's state (answered with 409)."""

    def __init__(self, message: str, message_en: str, code: str = "conflict"):
        super().__init__(message_en)
        self.message, self.message_en, self.code = message, message_en, code


@dataclass(frozen=True)
class Same:
    """The same person already did this: answer with the earlier entry."""

    seq: int


@dataclass
class TicketState:
    ticket: str
    unit: str                      # the unit that owns the ticket now
    received_at: datetime
    state: str = RECEIVED
    reached_at: datetime | None = None      # when the current unit got it (received or forwarded)
    stage_seq: int = 0             # the entry that began the current stage (0: the receipt)
    verified_at: datetime | None = None
    answered_at: datetime | None = None     # selesai (answered or closed as a duplicate)
    rejected_at: datetime | None = None
    reply: str | None = None
    reason: str | None = None
    duplicate_of: str | None = None
    units: list[str] = field(default_factory=list)      # every unit that owned it, in order
    steps: list[dict[str, Any]] = field(default_factory=list)   # the public steps: state, at, unit, text
    last_by: dict[str, tuple[str, int]] = field(default_factory=dict)  # action kind -> (by, seq)
    reminded: set[tuple[str, int]] = field(default_factory=set)      # (deadline, stage_seq)
    escalations: list[dict[str, Any]] = field(default_factory=list)  # of the current stage
    told: set[str] = field(default_factory=set)   # told by an escalation since it reached the current unit
    last_seq: int = 0
    kind: str | None = None      # what the ticket is (known to the aggregator's fold)
    unsur: str | None = None

    @property
    def next_seq(self) -> int:
        return self.last_seq + 1

    @property
    def open(self) -> bool:
        return self.state not in FINAL


def fold(ticket: str, unit: str, received_at: datetime, entries: Iterable[EntryLike]) -> TicketState:
    """The state after ``entries`` (any order) of a ticket received by ``unit`` at ``received_at``."""
    s = TicketState(ticket=ticket, unit=unit, received_at=received_at, reached_at=received_at, units=[unit])
    s.steps.append({"state": RECEIVED, "at": received_at, "unit": unit})
    for e in sorted(entries, key=lambda e: e.seq):
        s.last_seq = max(s.last_seq, e.seq)
        d = e.data or {}
        if e.kind in ACTIONS:
            s.last_by[e.kind] = (e.by, e.seq)
        if e.kind == "verified" and s.state in WAITING_VERIFICATION:
            s.state, s.verified_at, s.stage_seq, s.escalations = VERIFIED, e.at, e.seq, []
            s.steps.append({"state": VERIFIED, "at": e.at, "unit": s.unit})
        elif e.kind == "rejected" and s.state in WAITING_VERIFICATION:
            s.state, s.rejected_at, s.reason = REJECTED, e.at, d.get("reason")
            s.steps.append({"state": REJECTED, "at": e.at, "unit": s.unit, "text": s.reason})
        elif e.kind == "forwarded" and s.open and d.get("to_unit"):
            s.unit = str(d["to_unit"])
            s.units.append(s.unit)
            s.state, s.reached_at, s.stage_seq, s.verified_at, s.escalations = FORWARDED, e.at, e.seq, None, []
            s.told = set()
            s.steps.append({"state": FORWARDED, "at": e.at, "unit": s.unit})
        elif e.kind == "followed_up" and s.state in WAITING_ANSWER:
            s.state = IN_PROGRESS
            s.steps.append({"state": IN_PROGRESS, "at": e.at, "unit": s.unit, "text": d.get("public") or None})
        elif e.kind == "answered" and s.state in WAITING_ANSWER:
            s.state, s.answered_at, s.reply = DONE, e.at, d.get("reply")
            s.steps.append({"state": DONE, "at": e.at, "unit": s.unit, "text": s.reply})
        elif e.kind == "duplicate" and s.open and d.get("of"):
            s.state, s.answered_at, s.duplicate_of = DONE, e.at, str(d["of"])
            s.steps.append({"state": DONE, "at": e.at, "unit": s.unit, "duplicate_of": s.duplicate_of})
        elif e.kind == "reminded":
            s.reminded.add((str(d.get("deadline")), int(d.get("stage_seq", 0))))
        elif e.kind == "escalated" and int(d.get("stage_seq", -1)) == s.stage_seq:
            s.escalations.append({"seq": e.seq, "at": e.at, **d})
            if d.get("to_nip"):
                s.told.add(str(d["to_nip"]))
    return s


# -- decisions: each returns (kind, data) to append, Same, or raises Refused --------------------

Decision = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str | None] | Same


def _again(state: TicketState, kind: str, actor: str) -> Same | None:
    done = state.last_by.get(kind)
    return Same(done[1]) if done and done[0] == actor else None


def decide(state: TicketState, kind: str, actor: str, data: dict[str, Any]) -> Decision:
    """What a handler's action ``kind`` (a key of :data:`ACTIONS`) appends, given the state."""
    if kind not in ACTIONS:
        raise Refused("Tindakan tidak dikenal", "Unknown action", code="unknown_action")
    if kind == "forwarded":
        if not state.open:
            raise Refused("Tiket sudah ditutup", "The ticket is closed", code="closed")
        if data.get("to_unit") == state.unit:
            raise Refused("Tiket sudah berada di unit ini", "The ticket is already with this unit",
                          code="same_unit")
        return (kind, data)
    if kind == "duplicate":
        if not state.open:
            raise Refused("Tiket sudah ditutup", "The ticket is closed", code="closed")
        if data.get("of") == state.ticket:
            raise Refused("Tiket tidak dapat menjadi duplikat dirinya", "A ticket cannot duplicate itself",
                          code="self_duplicate")
        return (kind, data)
    allowed = WAITING_VERIFICATION if kind in ("verified", "rejected") else WAITING_ANSWER
    if state.state not in allowed:
        same = _again(state, kind, actor)
        if same is not None:
            return same
        if not state.open:
            raise Refused("Tiket sudah ditutup", "The ticket is closed", code="closed")
        if kind in ("verified", "rejected"):
            raise Refused("Tiket sudah diverifikasi", "The ticket was already verified", code="already_verified")
        raise Refused("Verifikasi tiket terlebih dahulu", "Verify the ticket first", code="not_verified")
    return (kind, data)


# -- deadlines ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    name: str          # "verify" or "answer"
    due: date          # the last local working day it may be done on
    stage_seq: int


def local_day(when: datetime, tz: str) -> date:
    """The local date of ``when``; a naive time (as the database returns it) is UTC."""
    from datetime import UTC
    from zoneinfo import ZoneInfo
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(tz)).date()


def pending_deadline(state: TicketState, tz: str, verify_days: int, answer_days: int,
                     holidays: Collection[date] = ()) -> Deadline | None:
    """The deadline the ticket is waiting on now (None when closed)."""
    if state.state in WAITING_VERIFICATION and state.reached_at is not None:
        return Deadline("verify", workdays.add_working_days(local_day(state.reached_at, tz), verify_days, holidays),
                        state.stage_seq)
    if state.state in WAITING_ANSWER and state.verified_at is not None:
        return Deadline("answer", workdays.add_working_days(local_day(state.verified_at, tz), answer_days, holidays),
                        state.stage_seq)
    return None


def reminder_due(state: TicketState, deadline: Deadline, today: date, holidays: Collection[date] = ()) -> bool:
    """On the last working day before the deadline's day (or the day itself), once per stage."""
    if (deadline.name, deadline.stage_seq) in state.reminded or today > deadline.due:
        return False
    return workdays.working_days_between(today, deadline.due, holidays) <= 1


def escalation_due(state: TicketState, deadline: Deadline, today: date, every_days: int, tz: str,
                   holidays: Collection[date] = ()) -> bool:
    """On a working day past the deadline's day: the first escalation; then one more every
    ``every_days`` working days while it stays overdue."""
    if today <= deadline.due or not workdays.is_working_day(today, holidays):
        return False
    if not state.escalations:
        return True
    last = max(e["at"] for e in state.escalations)
    return workdays.working_days_between(local_day(last, tz), today, holidays) >= every_days


def days_taken(start: datetime, end: datetime, tz: str, holidays: Collection[date] = ()) -> int:
    """Working days from ``start`` to ``end`` (local days)."""
    return workdays.working_days_between(local_day(start, tz), local_day(end, tz), holidays)


# -- indicators --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Share:
    """``done`` of ``of`` in time; ``percent`` rounded half-up to one decimal (None when of = 0)."""

    done: int
    of: int

    @property
    def percent(self) -> float | None:
        if not self.of:
            return None
        from decimal import ROUND_HALF_UP, Decimal
        return float((Decimal(self.done * 100) / Decimal(self.of)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def median_half(values: list[int]) -> float | None:
    """The median of whole numbers: exact (a middle value, or the half between two)."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def figures(states: Iterable[TicketState], today: date, tz: str, verify_days: int, answer_days: int,
            holidays: Collection[date] = ()) -> dict[str, Any]:
    """A unit's complaint handling over ``states`` (the tickets it owns now): received, by kind
    and unsur; verification and answers in time (of those done or overdue); the median of the
    working days from receipt to the answer; the open backlog and how much of it is overdue."""
    states = list(states)
    verified_in, verified_of, answered_in, answered_of = 0, 0, 0, 0
    days: list[int] = []
    backlog = overdue = 0
    by_kind = dict.fromkeys(KINDS, 0)
    by_unsur: dict[str, int] = {}
    for s in states:
        by_kind[_kind_of(s)] = by_kind.get(_kind_of(s), 0) + 1
        if s.unsur:
            by_unsur[s.unsur] = by_unsur.get(s.unsur, 0) + 1
        if s.reached_at is not None:
            due = workdays.add_working_days(local_day(s.reached_at, tz), verify_days, holidays)
            decided = s.verified_at or s.rejected_at or (s.answered_at if s.duplicate_of else None)
            if decided is not None:
                verified_of += 1
                verified_in += local_day(decided, tz) <= due
            elif s.open and today > due:
                verified_of += 1
        if s.verified_at is not None and not s.duplicate_of:
            due = workdays.add_working_days(local_day(s.verified_at, tz), answer_days, holidays)
            if s.answered_at is not None:
                answered_of += 1
                answered_in += local_day(s.answered_at, tz) <= due
            elif today > due:
                answered_of += 1
        elif s.state in WAITING_VERIFICATION and s.reached_at is not None:
            # never verified: late for the answer too once both allowances have passed
            answered_of += today > workdays.add_working_days(local_day(s.reached_at, tz), verify_days + answer_days,
                                                             holidays)
        if s.answered_at is not None and s.reply:
            days.append(days_taken(s.received_at, s.answered_at, tz, holidays))
        if s.open:
            backlog += 1
            pending = pending_deadline(s, tz, verify_days, answer_days, holidays)
            overdue += bool(pending and today > pending.due)
    return {"received": len(states), "by_kind": by_kind, "by_unsur": dict(sorted(by_unsur.items())),
            "verified_in_time": Share(verified_in, verified_of), "answered_in_time": Share(answered_in, answered_of),
            "median_days_to_answer": median_half(days), "answered": len(days), "backlog": backlog,
            "overdue": overdue}


def _kind_of(s: TicketState) -> str:
    return s.kind or "pengaduan"
