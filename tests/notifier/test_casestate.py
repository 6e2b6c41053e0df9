"""A case's state is the fold of its history, and each action is judged against it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from services.notifier import casestate as cs

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 23, 3, tzinfo=UTC)
SUP, BOSS = "2" * 18, "3" * 18


@dataclass
class C:
    case_id: str = "c1"
    assignee_nip: str | None = SUP
    assignee_kind: str = "supervisor"
    received_at: datetime = T0


@dataclass
class E:
    seq: int
    kind: str
    at: datetime = T0
    by: str = SUP
    by_nip: str | None = SUP
    to_nip: str | None = None
    data: dict = field(default_factory=dict)


def test_a_new_case_is_open_at_level_zero_with_its_first_assignee():
    state = cs.fold(C(), [])
    assert (state.status, state.level, state.assignee_nip, state.next_seq) == ("open", 0, SUP, 1)


def test_history_folds_in_sequence_order_whatever_order_it_is_read():
    entries = [E(3, "resolved", data={"notes": "ok"}), E(1, "acknowledged"),
               E(2, "dialogue", data={"date": "2026-11-24", "notes": "n", "follow_up": None})]
    state = cs.fold(C(), entries)
    assert state.status == "resolved" and state.acknowledged["seq"] == 1 and len(state.dialogues) == 1
    assert state.next_seq == 4


def test_acknowledging_twice_by_the_same_person_gives_the_same_result():
    state = cs.fold(C(), [E(1, "acknowledged")])
    assert cs.decide_acknowledge(state, SUP, 0) == cs.Same(1)
    with pytest.raises(cs.Refused) as refused:
        cs.decide_acknowledge(state, BOSS, 0)
    assert refused.value.code == "already_acknowledged"


def test_an_acknowledgement_of_a_level_the_case_has_left_is_refused():
    state = cs.fold(C(), [E(1, "escalated", by="scheduler", to_nip=BOSS, data={"level": 1, "to_kind": "supervisor"})])
    assert state.assignee_nip == BOSS and state.level == 1 and state.assignees == [SUP, BOSS]
    with pytest.raises(cs.Refused) as refused:
        cs.decide_acknowledge(state, SUP, 0)
    assert refused.value.code == "escalated"
    assert cs.decide_acknowledge(state, BOSS, 1)[0] == "acknowledged"


def test_dialogue_and_resolution_need_an_acknowledgement_first():
    state = cs.fold(C(), [])
    with pytest.raises(cs.Refused):
        cs.decide_dialogue(state, {"notes": "x"})
    with pytest.raises(cs.Refused):
        cs.decide_resolve(state, SUP, None)
    acked = cs.fold(C(), [E(1, "acknowledged")])
    with pytest.raises(cs.Refused) as refused:
        cs.decide_resolve(acked, SUP, None)
    assert refused.value.code == "no_dialogue"


def test_escalation_is_due_only_after_the_waiting_time_without_acknowledgement():
    after = timedelta(days=3)
    state = cs.fold(C(), [])
    assert not cs.escalation_due(state, T0 + after - timedelta(seconds=1), after)
    assert cs.escalation_due(state, T0 + after, after)
    assert not cs.escalation_due(cs.fold(C(), [E(1, "acknowledged")]), T0 + after, after)
    assert not cs.escalation_due(cs.fold(C(), [E(1, "cleared", by="aggregator")]), T0 + after, after)
    at_admin = cs.fold(C(assignee_nip=None, assignee_kind="admin"), [])
    assert not cs.escalation_due(at_admin, T0 + after * 10, after)


def test_the_waiting_time_restarts_at_each_escalation():
    after = timedelta(days=3)
    state = cs.fold(C(), [E(1, "escalated", at=T0 + after, by="scheduler", to_nip=BOSS,
                            data={"level": 1, "to_kind": "supervisor"})])
    assert not cs.escalation_due(state, T0 + after + timedelta(days=2), after)
    assert cs.escalation_due(state, T0 + after * 2, after)


def test_a_reminder_is_due_once_the_follow_up_date_has_passed_and_only_once():
    dialogue = E(2, "dialogue", data={"date": "2026-11-24", "notes": "n", "follow_up": "2026-12-01"})
    state = cs.fold(C(), [E(1, "acknowledged"), dialogue])
    assert cs.reminders_due(state, date(2026, 12, 1)) == []
    assert [d["seq"] for d in cs.reminders_due(state, date(2026, 12, 2))] == [2]
    reminded = cs.fold(C(), [E(1, "acknowledged"), dialogue,
                             E(3, "reminded", by="scheduler", data={"dialogue_seq": 2})])
    assert cs.reminders_due(reminded, date(2026, 12, 2)) == []
