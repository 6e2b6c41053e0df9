"""The supervisor's inbox: which cases a person may see, and the actions on them.

Shared by the API and the web page. Visibility: an administrator sees every case; a
supervisor sees the cases of the people below them in the directory (any level), cases of
units they head, and cases assigned to them by routing or escalation. Anyone else gets
403. Actions append to the case's history (see :mod:`.history`); an action that lost a
race is answered with the earlier result (same person, same action) or 409.
"""
from __future__ import annotations

import re
from datetime import datetime

from shared.platform.auth import ADMIN, Principal
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.records.directory import Unit, is_in_team, team

from services.notifier import casestate, history
from services.notifier.casestate import CaseState, Refused
from services.notifier.models import CaseHistoryEntry, FollowUpCase

STATUSES = (casestate.OPEN, casestate.ACKNOWLEDGED, casestate.RESOLVED)


def actor(who: Principal) -> str:
    """The identity an action is recorded under: the NIP when known (same person on web and API)."""
    return who.nip or who.sub


def _chunks(items: list, size: int = 200):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def visible_cases(who: Principal) -> list[FollowUpCase]:
    if who.has(ADMIN):
        return list(FollowUpCase.objects.order_by("-opened_at"))
    if not who.nip:
        return []
    found: dict[str | None, FollowUpCase] = {}
    members = [e.nip for e in team(who.nip)]
    for chunk in _chunks(members):
        for c in FollowUpCase.objects(subject_type="employee", subject__in=chunk):
            found[c.case_id] = c
    for c in FollowUpCase.objects(assignee_nip=who.nip):
        found[c.case_id] = c
    escalated = list(CaseHistoryEntry.objects(kind="escalated", to_nip=who.nip).distinct("case_id"))
    for chunk in _chunks(escalated):
        for c in FollowUpCase.objects(case_id__in=chunk):
            found[c.case_id] = c
    headed = [u.code for u in Unit.heads(head_nip=who.nip)]
    if headed:
        for c in FollowUpCase.objects(subject_type="unit", subject__in=headed):
            found[c.case_id] = c
    found.pop(None, None)
    return sorted((c for c in found.values() if c.subject != who.nip), key=lambda c: c.opened_at, reverse=True)


def may_act(case: FollowUpCase, state: CaseState, who: Principal) -> bool:
    if who.has(ADMIN):
        return True
    nip = who.nip
    if not nip or nip == case.subject:
        return False
    if nip in state.assignees:
        return True
    if case.subject_type == "employee":
        return is_in_team(case.subject, nip)
    unit = Unit.head(case.subject)
    return bool(unit and unit.head_nip and (unit.head_nip == nip or is_in_team(unit.head_nip, nip)))


def get(case_id: str, who: Principal) -> tuple[FollowUpCase, CaseState]:
    case = FollowUpCase.objects(pk=case_id).first()
    if case is None:
        raise ApiError(404, errors={"case_id": ["kasus tidak ditemukan / no such case"]})
    state = history.load(case)
    if not may_act(case, state, who):
        raise ApiError(403, "Kasus ini bukan milik tim Anda", "This case is not about your team",
                       errors={"case_id": ["bukan tim Anda / not your team"]})
    return case, state


def _conflict(exc: Refused) -> ApiError:
    return ApiError(409, exc.message, exc.message_en, code=exc.code)


def acknowledge(case_id: str, who: Principal, now: datetime, expected_level: int | None = None) -> history.Appended:
    case, state = get(case_id, who)
    level = state.level if expected_level is None else expected_level
    try:
        return history.append(case, lambda s: casestate.decide_acknowledge(s, actor(who), level), at=now,
                              by=actor(who), by_nip=who.nip)
    except Refused as exc:
        raise _conflict(exc) from None


def add_dialogue(case_id: str, who: Principal, now: datetime, data: dict) -> history.Appended:
    case, _ = get(case_id, who)
    entry = {"date": data["date"].isoformat(), "notes": data["notes"],
             "agreed_actions": list(data.get("agreed_actions") or []),
             "follow_up": data["follow_up"].isoformat() if data.get("follow_up") else None}
    try:
        return history.append(case, lambda s: casestate.decide_dialogue(s, entry), at=now, by=actor(who),
                              by_nip=who.nip)
    except Refused as exc:
        raise _conflict(exc) from None


def resolve(case_id: str, who: Principal, now: datetime, notes: str | None) -> history.Appended:
    case, _ = get(case_id, who)
    try:
        return history.append(case, lambda s: casestate.decide_resolve(s, actor(who), notes), at=now,
                              by=actor(who), by_nip=who.nip)
    except Refused as exc:
        raise _conflict(exc) from None


def _month_of_case(period: str | None) -> str | None:
    """The month the indicator page opens on: the case's month, or a quarter's last month."""
    from shared.domain import periods
    if period and periods.INPUT_MONTH.fullmatch(period):
        return period
    if period and re.fullmatch(r"[1-9][0-9]{3}-Q[1-4]", period):
        return periods.months_in(period)[-1]
    return None


def trend_url(settings: Settings, case: FollowUpCase) -> str | None:
    if case.subject_type != "employee":
        return None
    # the page of the person's indicators (the same scope as the API: the supervisor's own team)
    period = _month_of_case(case.period)
    return (f"{settings.aggregator_public_url.rstrip('/')}/pegawai/{case.subject}"
            + (f"?period={period}" if period else ""))


def describe(settings: Settings, case: FollowUpCase, state: CaseState, *, detail: bool = True) -> dict:
    """The case as the API and the page show it."""
    from shared.records.directory import Employee
    name = None
    if case.subject_type == "employee":
        person = Employee.head(case.subject)
        name = person.name if person else None
    out = {
        "case_id": case.case_id, "rule": case.rule, "severity": case.severity, "subject_type": case.subject_type,
        "subject": case.subject, "subject_name": name, "unit": case.unit, "period": case.period,
        "opened_at": case.opened_at, "received_at": case.received_at, "summary": case.summary,
        "status": state.status, "level": state.level, "assignee_nip": state.assignee_nip,
        "assignee_kind": state.assignee_kind, "route_reason": case.route_reason,
        "acknowledged": state.acknowledged, "resolved": state.resolved, "cleared_at": state.cleared_at,
        "trend_url": trend_url(settings, case) if state.status == casestate.RESOLVED else None,
    }
    if detail:
        out["evidence"] = case.evidence
        out["dialogues"] = state.dialogues
        out["escalations"] = state.escalations
        out["history"] = [{"seq": e.seq, "kind": e.kind, "at": e.at, "by": e.by, "to_nip": e.to_nip, "data": e.data}
                          for e in CaseHistoryEntry.objects(case_id=case.case_id).order_by("seq")]
    return out


def own_cases(settings: Settings, nip: str) -> list[dict]:
    """The cases about ``nip`` as that employee reads them (newest first): what, when, the
    status, and the coaching dialogues with their agreed actions and follow-up dates; nothing
    about who escalated to whom."""
    cases = list(FollowUpCase.objects(subject_type="employee", subject=nip).order_by("-opened_at"))
    states = history.load_many(cases)
    out = []
    for case in cases:
        state = states[case.case_id]
        out.append({"case_id": case.case_id, "summary": case.summary, "period": case.period,
                    "opened_at": case.opened_at, "severity": case.severity, "status": state.status,
                    "dialogues": state.dialogues, "resolved": state.resolved, "cleared_at": state.cleared_at})
    return out


def listing(settings: Settings, who: Principal, status: str | None = None) -> list[dict]:
    cases = visible_cases(who)
    states = history.load_many(cases)
    rows = [describe(settings, c, states[c.case_id], detail=False) for c in cases]
    return [r for r in rows if status is None or r["status"] == status]
