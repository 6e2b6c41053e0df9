"""The organisation directory: units, services (jenis layanan) and employees.

Written only by the survey service (admin API and register imports), as revisions (see
:mod:`shared.revisions`); the aggregator and notifier read it to route cases and to check
who belongs to whose team.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from mongoengine import BooleanField, ListField, StringField

from shared.contracts.formats import CODE, NIP
from shared.platform.revisions import Revisioned

MAX_CHAIN = 50  # no real hierarchy is deeper; bounds every walk up the supervisor chain


class Unit(Revisioned):
    """A unit kerja / unit layanan."""

    meta = {"collection": "units", "indexes": [{"fields": ["code", "rev"], "unique": True}, "superseded"]}
    code = StringField(required=True, regex=CODE)
    name = StringField(required=True, max_length=200)
    name_en = StringField(max_length=200)
    parent = StringField(regex=CODE)
    head_nip = StringField(regex=NIP)
    active = BooleanField(default=True)   # False: closed or merged; no new surveys, people or services
    complaint_handlers = ListField(StringField(regex=NIP))  # employees who handle the unit's complaint tickets


class Service(Revisioned):
    """A jenis layanan offered by a unit; ``ref`` is ``UNIT~CODE``."""

    KEY = "ref"
    meta = {"collection": "services", "indexes": [{"fields": ["ref", "rev"], "unique": True}, ("superseded", "unit")]}
    ref = StringField(required=True)
    unit = StringField(required=True, regex=CODE)
    code = StringField(required=True, regex=CODE)
    name = StringField(required=True, max_length=200)
    name_en = StringField(max_length=200)
    active = BooleanField(default=True)   # no longer offered: no new deployments; its results stay

    @staticmethod
    def ref_of(unit: str, code: str) -> str:
        return f"{unit}~{code}"


class Employee(Revisioned):
    """An ASN (PNS or PPPK), keyed by NIP."""

    KEY = "nip"
    meta = {"collection": "employees",
            "indexes": [{"fields": ["nip", "rev"], "unique": True}, ("superseded", "unit"),
                        ("superseded", "supervisor_nip")]}
    nip = StringField(required=True, regex=NIP)
    name = StringField(required=True, max_length=200)
    unit = StringField(required=True, regex=CODE)
    position = StringField(max_length=200)
    email = StringField(max_length=254)
    supervisor_nip = StringField(regex=NIP)
    lang = StringField(choices=("id", "en"), default="id")
    active = BooleanField(default=True)


def serves_in(officer_unit: str, unit_code: str, unit_of: Callable[[str], Unit | None] = Unit.head) -> bool:
    """Whether an officer of ``officer_unit`` serves in ``unit_code``: the same unit or one
    below it in the directory (a counter of a sub-unit rated at its OPD's survey)."""
    current: str | None = officer_unit
    for _ in range(MAX_CHAIN):
        if current is None:
            return False
        if current == unit_code:
            return True
        unit = unit_of(current)
        current = unit.parent if unit is not None else None
    return False


def unit_exists(code: str) -> bool:
    return Unit.head(code) is not None


NIP_RE = re.compile(NIP)


def nip_problems(nip: str) -> list[str]:
    """Why ``nip`` is not a plausible NIP (empty list: it is).

    A NIP has 18 digits and starts with the holder's date of birth (YYYYMMDD).
    """
    if not isinstance(nip, str) or not NIP_RE.match(nip):
        return ["NIP harus 18 digit angka / NIP must be 18 digits"]
    try:
        born = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return ["8 digit pertama NIP harus tanggal lahir / the first 8 digits must be a date of birth"]
    if not 1930 <= born.year <= 2015:
        return ["tahun lahir pada NIP tidak masuk akal / implausible birth year in NIP"]
    return []


def supervisor_chain(nip: str) -> list[Employee]:
    """The employee's supervisors, nearest first (bounded; stops at a cycle or a gap)."""
    chain: list[Employee] = []
    seen = {nip}
    current = Employee.head(nip)
    while current is not None and current.supervisor_nip and len(chain) < MAX_CHAIN:
        if current.supervisor_nip in seen:
            break
        seen.add(current.supervisor_nip)
        current = Employee.head(current.supervisor_nip)
        if current is None:
            break
        chain.append(current)
    return chain


def is_in_team(nip: str, supervisor_nip: str) -> bool:
    """True if ``supervisor_nip`` is above ``nip`` in the supervisor chain (any level)."""
    return any(sup.nip == supervisor_nip for sup in supervisor_chain(nip))


def team(supervisor_nip: str) -> list[Employee]:
    """Everyone below ``supervisor_nip`` (direct reports and their reports), bounded."""
    found: dict[str, Employee] = {}
    frontier = [supervisor_nip]
    for _ in range(MAX_CHAIN):
        if not frontier:
            break
        level = [e for e in Employee.heads(supervisor_nip__in=frontier)
                 if e.nip not in found and e.nip != supervisor_nip]
        for e in level:
            found[e.nip] = e
        frontier = [e.nip for e in level]
    return sorted(found.values(), key=lambda e: e.nip)


def creates_cycle(nip: str, new_supervisor: str | None, pending: dict[str, str | None] | None = None) -> bool:
    """Would making ``new_supervisor`` the supervisor of ``nip`` close a loop?

    ``pending`` maps NIP -> supervisor for changes not stored yet (an import in progress);
    they take precedence over the stored directory.
    """
    pending = pending or {}
    current = new_supervisor
    for _ in range(MAX_CHAIN * 10):
        if current is None:
            return False
        if current == nip:
            return True
        if current in pending:
            current = pending[current]
        else:
            head = Employee.head(current)
            current = head.supervisor_nip if head else None
    return True
