"""Peer (BerAKHLAK 360) feedback: who may rate whom, and the relation between them."""
from __future__ import annotations

from shared.records.directory import Employee

PEER, SUBORDINATE, SUPERVISOR = "peer", "subordinate", "supervisor"


def relation(rater: Employee, ratee: Employee) -> str | None:
    """How ``rater`` stands to ``ratee``, or None when the ratee is outside the rater's circle.

    The circle: colleagues in the same unit, one's direct supervisor and one's direct reports.
    ``supervisor`` means the rater supervises the ratee; ``subordinate`` that the rater reports
    to the ratee.
    """
    if rater.nip == ratee.nip:
        return None
    if ratee.supervisor_nip == rater.nip:
        return SUPERVISOR
    if rater.supervisor_nip == ratee.nip:
        return SUBORDINATE
    if rater.unit == ratee.unit:
        return PEER
    return None


def circle(rater: Employee) -> list[tuple[Employee, str]]:
    """Everyone the rater may give feedback to, with the relation."""
    candidates: dict[str, Employee] = {e.nip: e for e in Employee.heads(unit=rater.unit)}
    for e in Employee.heads(supervisor_nip=rater.nip):
        candidates[e.nip] = e
    if rater.supervisor_nip:
        boss = Employee.head(rater.supervisor_nip)
        if boss:
            candidates[boss.nip] = boss
    out = []
    for e in candidates.values():
        rel = relation(rater, e)
        if rel and e.active:
            out.append((e, rel))
    return sorted(out, key=lambda pair: pair[0].name)
