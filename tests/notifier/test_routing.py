"""Routing a case: direct supervisor, else unit head, else the administrator, with the reason."""
from __future__ import annotations

import pytest

from services.notifier.routing import ADMIN, SUPERVISOR, UNIT_HEAD, Person, first_assignee, next_level

pytestmark = pytest.mark.unit


class FakeDirectory:
    def __init__(self, people, heads):
        self.people = {p.nip: p for p in people}
        self.heads = heads

    def person(self, nip):
        return self.people.get(nip)

    def unit_head(self, unit):
        return self.heads.get(unit)


EMP, SUP, BOSS, HEAD = "1" * 18, "2" * 18, "3" * 18, "4" * 18


def org(**changes):
    people = {EMP: Person(EMP, "U1", SUP), SUP: Person(SUP, "U1", BOSS), BOSS: Person(BOSS, "U1", None),
              HEAD: Person(HEAD, "U1", None)}
    people.update(changes)
    return FakeDirectory([p for p in people.values() if p], {"U1": HEAD})


def test_the_direct_supervisor_is_chosen_first():
    route = first_assignee(org(), "employee", EMP, "U1")
    assert (route.nip, route.kind, route.reason) == (SUP, SUPERVISOR, "direct supervisor")


def test_without_a_supervisor_the_unit_head_is_chosen_and_the_reason_recorded():
    route = first_assignee(org(**{EMP: Person(EMP, "U1", None)}), "employee", EMP, "U1")
    assert (route.nip, route.kind) == (HEAD, UNIT_HEAD)
    assert "no direct supervisor" in route.reason


def test_an_inactive_supervisor_is_skipped():
    route = first_assignee(org(**{SUP: Person(SUP, "U1", BOSS, active=False)}), "employee", EMP, "U1")
    assert route.kind == UNIT_HEAD and "inactive" in route.reason


def test_without_supervisor_or_unit_head_the_admin_gets_it():
    directory = org(**{EMP: Person(EMP, "U1", None)})
    directory.heads = {}
    route = first_assignee(directory, "employee", EMP, "U1")
    assert (route.nip, route.kind) == (None, ADMIN) and "administrator" in route.reason


def test_the_unit_head_is_never_routed_their_own_case():
    directory = org(**{HEAD: Person(HEAD, "U1", None)})
    route = first_assignee(directory, "employee", HEAD, "U1")
    assert route.kind == ADMIN


def test_unit_cases_go_to_the_unit_head():
    assert first_assignee(org(), "unit", "U1", "U1").nip == HEAD
    assert first_assignee(org(), "unit", "U9", "U9").kind == ADMIN


def test_escalation_goes_one_level_up_then_to_the_unit_head_then_the_admin():
    directory = org()
    assert next_level(directory, SUP, EMP, "U1").nip == BOSS
    up = next_level(directory, BOSS, EMP, "U1")
    assert (up.nip, up.kind) == (HEAD, UNIT_HEAD)
    top = next_level(directory, HEAD, EMP, "U1")
    assert (top.nip, top.kind) == (None, ADMIN)
    assert next_level(directory, None, EMP, "U1").kind == ADMIN
