"""The complaint ticket's pure rules: working days over weekends and holidays, the state
machine (what each action may follow, who gets the earlier result), and the deadlines."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.domain import complaints, workdays
from shared.domain.complaints import Refused, Same

pytestmark = pytest.mark.unit
HOLIDAY = date(2026, 11, 26)          # a Thursday
TZ = "Asia/Jakarta"


@dataclass
class E:
    seq: int
    kind: str
    at: datetime
    by: str = "x"
    data: dict[str, Any] = field(default_factory=dict)


def at(day: int, hour_utc: int = 3) -> datetime:
    return datetime(2026, 11, day, hour_utc, tzinfo=UTC)


def test_working_days_skip_weekends_and_holidays():
    monday = date(2026, 11, 23)
    assert workdays.add_working_days(monday, 3, {HOLIDAY}) == date(2026, 11, 27)
    assert workdays.add_working_days(monday, 4, {HOLIDAY}) == date(2026, 11, 30)      # over the weekend
    assert workdays.add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 30)     # Saturday -> Monday
    assert workdays.working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1  # Friday -> Monday
    assert workdays.working_days_between(monday, date(2026, 11, 27), {HOLIDAY}) == 3
    assert workdays.parse_holidays("2026-11-26, 2026-12-25") == {HOLIDAY, date(2026, 12, 25)}
    with pytest.raises(ValueError, match="not a date"):
        workdays.parse_holidays("2026-13-01")


def test_complaint_states_follow_the_handling_order():
    s = complaints.fold("ADU-2026-11-000001", "A", at(23), [])
    assert s.state == "diterima"
    with pytest.raises(Refused) as refused:
        complaints.decide(s, "answered", "ani", {"reply": "r"})
    assert refused.value.code == "not_verified"
    entries = [E(1, "forwarded", at(24), data={"to_unit": "B"}), E(2, "verified", at(25), by="budi"),
               E(3, "followed_up", at(25), data={"public": "sedang dicek"}),
               E(4, "answered", at(26), data={"reply": "sudah"})]
    s = complaints.fold("ADU-2026-11-000001", "A", at(23), entries)
    assert (s.state, s.unit, s.units, s.reply) == ("selesai", "B", ["A", "B"], "sudah")
    assert [x["state"] for x in s.steps] == ["diterima", "dialihkan", "diverifikasi", "ditindaklanjuti", "selesai"]
    verified = complaints.fold("T", "A", at(23), entries[:2])
    assert complaints.decide(verified, "verified", "budi", {}) == Same(2)        # the same person: earlier result
    with pytest.raises(Refused, match="already verified"):
        complaints.decide(verified, "verified", "citra", {})
    with pytest.raises(Refused):
        complaints.decide(s, "forwarded", "budi", {"to_unit": "C"})              # closed
    with pytest.raises(Refused) as same_unit:
        complaints.decide(verified, "forwarded", "budi", {"to_unit": "B"})
    assert same_unit.value.code == "same_unit"


def test_complaint_deadlines_remind_then_escalate_on_working_days():
    s = complaints.fold("T", "A", at(23), [])                   # Monday 10:00 WIB
    d = complaints.pending_deadline(s, TZ, 3, 14, {HOLIDAY})
    assert d == complaints.Deadline("verify", date(2026, 11, 27), 0)
    assert not complaints.reminder_due(s, d, date(2026, 11, 24), {HOLIDAY})
    assert complaints.reminder_due(s, d, date(2026, 11, 25), {HOLIDAY})      # Thursday is a holiday
    reminded = complaints.fold("T", "A", at(23), [E(1, "reminded", at(25), data={"deadline": "verify",
                                                                                 "stage_seq": 0})])
    assert not complaints.reminder_due(reminded, d, date(2026, 11, 27), {HOLIDAY})
    assert not complaints.escalation_due(s, d, date(2026, 11, 27), 3, TZ, {HOLIDAY})
    assert not complaints.escalation_due(s, d, date(2026, 11, 28), 3, TZ, {HOLIDAY})   # Saturday
    assert complaints.escalation_due(s, d, date(2026, 11, 30), 3, TZ, {HOLIDAY})
    once = complaints.fold("T", "A", at(23), [E(1, "escalated", at(30), data={"stage_seq": 0, "to_nip": "n"})])
    assert not complaints.escalation_due(once, d, date(2026, 12, 2), 3, TZ)
    assert complaints.escalation_due(once, d, date(2026, 12, 3), 3, TZ)
    verified = complaints.fold("T", "A", at(23), [E(1, "escalated", at(30), data={"stage_seq": 0, "to_nip": "n"}),
                                                   E(2, "verified", at(30, 5))])
    answer = complaints.pending_deadline(verified, TZ, 3, 14, {HOLIDAY})
    assert answer == complaints.Deadline("answer", date(2026, 12, 18), 2) and verified.escalations == []
    assert verified.told == {"n"}                                # who was told keeps the ticket in this unit
    assert complaints.days_taken(at(27), at(30), TZ) == 1
