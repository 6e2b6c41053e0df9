"""Directory fixtures for the survey tests: a unit with a small team and a deployment."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from shared.records.directory import Employee, Service, Unit


def nip(seq: int, born: str = "19850101") -> str:
    """A plausible NIP: birth date, appointment year-month, sex digit, sequence."""
    return f"{born}201001{1 + seq % 2}{seq % 1000:03d}"


# Each org of a session gets its own birth date, so no two fixtures ever share a NIP (a random
# sequence number did collide now and then and merged two tests' teams). Dates start in 1980;
# tests that write fixed NIPs use other years.
_ORG_BIRTHS = (date(1980, 1, 1) + timedelta(days=n) for n in itertools.count())


@dataclass
class Org:
    unit: str
    other_unit: str
    service: str
    head: str        # supervises lead
    lead: str        # supervises a, b
    a: str
    b: str
    outsider: str    # another unit


@pytest.fixture
def org(settings, clock) -> Org:
    tag = uuid.uuid4().hex[:6].upper()
    unit, other = f"UNIT-{tag}", f"OTHER-{tag}"
    born = next(_ORG_BIRTHS).strftime("%Y%m%d")
    people = [nip(i, born) for i in range(5)]
    at = clock.now()
    Unit.save_revision(unit, {"name": f"Dinas {tag}", "name_en": f"Office {tag}", "head_nip": people[0]}, at=at, by="t")
    Unit.save_revision(other, {"name": f"Kecamatan {tag}"}, at=at, by="t")
    Service.save_revision(Service.ref_of(unit, "KTP"), {"unit": unit, "code": "KTP", "name": "Perekaman KTP-el"},
                          at=at, by="t")
    head, lead, a, b, outsider = people
    for who, name, sup, u in ((head, "Kepala", None, unit), (lead, "Ketua Tim", head, unit), (a, "Ani", lead, unit),
                              (b, "Budi", lead, unit), (outsider, "Citra", None, other)):
        Employee.save_revision(who, {"name": name, "unit": u, "supervisor_nip": sup, "email": f"{who}@example.go.id"},
                               at=at, by="t")
    return Org(unit, other, "KTP", head, lead, a, b, outsider)


@pytest.fixture
def deployment(survey, tokens, org) -> dict:
    created = survey.post("/api/v1/deployments", json={"template": "skm", "unit": org.unit, "service": "KTP",
                                                       "officer": org.a}, headers=tokens("admin"))
    assert created.status_code == 201, created.json
    return created.json


SKM_ANSWERS = {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 3, "U9": 3}
