"""Who hears of a case: the direct supervisor, else the unit head, else the administrator.

:func:`first_assignee` and :func:`next_level` are pure over a :class:`Directory` (lookups
passed in), so every branch is unit-tested; :class:`LiveDirectory` reads the organisation
directory. Each answer carries the reason, which is recorded on the case or escalation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SUPERVISOR, UNIT_HEAD, ADMIN = "supervisor", "unit_head", "admin"


@dataclass(frozen=True)
class Route:
    nip: str | None   # None: the administrator
    kind: str
    reason: str

    def as_tuple(self) -> tuple[str | None, str, str]:
        return self.nip, self.kind, self.reason


@dataclass(frozen=True)
class Person:
    nip: str
    unit: str | None
    supervisor_nip: str | None
    active: bool = True


class Directory(Protocol):
    def person(self, nip: str) -> Person | None: ...

    def unit_head(self, unit: str | None) -> str | None: ...


def _usable(directory: Directory, nip: str | None, exclude: set[str]) -> bool:
    if not nip or nip in exclude:
        return False
    person = directory.person(nip)
    return person is not None and person.active


def first_assignee(directory: Directory, subject_type: str, subject: str, unit: str | None) -> Route:
    if subject_type == "employee":
        person = directory.person(subject)
        if person is None:
            unit_head = directory.unit_head(unit)
            if _usable(directory, unit_head, {subject}):
                return Route(unit_head, UNIT_HEAD, "employee not in the directory; routed to the unit head")
            return Route(None, ADMIN, "employee not in the directory and no unit head known; "
                                      "routed to the administrator")
        if _usable(directory, person.supervisor_nip, {subject}):
            return Route(person.supervisor_nip, SUPERVISOR, "direct supervisor")
        why = "no direct supervisor recorded" if not person.supervisor_nip else "direct supervisor unknown or inactive"
        unit_head = directory.unit_head(person.unit or unit)
        if _usable(directory, unit_head, {subject}):
            return Route(unit_head, UNIT_HEAD, f"{why}; routed to the unit head")
        return Route(None, ADMIN, f"{why} and no unit head known; routed to the administrator")
    unit_head = directory.unit_head(subject)
    if _usable(directory, unit_head, set()):
        return Route(unit_head, UNIT_HEAD, "unit case: the unit head")
    return Route(None, ADMIN, "unit case without a known unit head; routed to the administrator")


def next_level(directory: Directory, current_nip: str | None, subject: str, unit: str | None) -> Route:
    """One level above ``current_nip`` (the case's assignee now); the administrator at the top."""
    if current_nip is None:
        return Route(None, ADMIN, "already with the administrator")
    current = directory.person(current_nip)
    exclude = {current_nip, subject}
    if current is not None and _usable(directory, current.supervisor_nip, exclude):
        return Route(current.supervisor_nip, SUPERVISOR, "unacknowledged: escalated to the assignee's supervisor")
    unit_head = directory.unit_head(current.unit if current else unit)
    if _usable(directory, unit_head, exclude):
        return Route(unit_head, UNIT_HEAD, "unacknowledged and the assignee has no supervisor: "
                                           "escalated to the unit head")
    return Route(None, ADMIN, "unacknowledged and nobody above the assignee: escalated to the administrator")


class LiveDirectory:
    """The organisation directory (shared.directory), read per call."""

    def person(self, nip: str) -> Person | None:
        from shared.records.directory import Employee
        e = Employee.head(nip)
        if e is None:
            return None
        return Person(nip=e.nip, unit=e.unit, supervisor_nip=e.supervisor_nip, active=bool(e.active))

    def unit_head(self, unit: str | None) -> str | None:
        from shared.records.directory import Unit
        if not unit:
            return None
        u = Unit.head(unit)
        return u.head_nip if u else None
