"""Reading a case's history and appending to it by claiming the next sequence number.

Appending never updates anything: it inserts entry ``seq = last + 1`` under the unique
``(case_id, seq)`` index. When another writer took that number first (duplicate key), the
history is read again and the decision is made anew against the new state, so a
concurrent acknowledgement and escalation cannot both win: the loser sees the winner's
entry and is refused (or gets the earlier result when it was the same action by the
same person).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from mongoengine.errors import NotUniqueError

from services.notifier.casestate import CaseState, Decision, Same, fold
from services.notifier.models import CaseHistoryEntry, FollowUpCase

MAX_TRIES = 25  # bounded: each lost race means someone else appended, which is finite


class Appended:
    def __init__(self, entry: CaseHistoryEntry | None, state: CaseState, created: bool):
        self.entry, self.state, self.created = entry, state, created


def load(case: FollowUpCase) -> CaseState:
    return fold(case, CaseHistoryEntry.objects(case_id=case.case_id))


def load_many(cases: Iterable[FollowUpCase]) -> dict[str, CaseState]:
    cases = list(cases)
    entries: dict[str, list[CaseHistoryEntry]] = {c.case_id: [] for c in cases}
    ids = list(entries)
    for start in range(0, len(ids), 200):
        for e in CaseHistoryEntry.objects(case_id__in=ids[start:start + 200]):
            entries[e.case_id].append(e)
    return {c.case_id: fold(c, entries[c.case_id]) for c in cases}


def append(case: FollowUpCase, decide: Callable[[CaseState], Decision], *, at: datetime, by: str,
           by_nip: str | None = None) -> Appended:
    """Append what ``decide(state)`` returns; ``Refused`` from it propagates.

    ``decide`` returns ``(kind, data, to_nip)`` for a new entry or :class:`Same` when the
    action is already in the history.
    """
    for _ in range(MAX_TRIES):
        state = load(case)
        decision = decide(state)
        if isinstance(decision, Same):
            entry = CaseHistoryEntry.objects(case_id=case.case_id, seq=decision.seq).first()
            return Appended(entry, state, False)
        kind, data, to_nip = decision
        entry = CaseHistoryEntry(case_id=case.case_id, seq=state.next_seq, kind=kind, at=at, by=by, by_nip=by_nip,
                      to_nip=to_nip, data=data)
        try:
            entry.save(force_insert=True)
        except NotUniqueError:
            continue  # someone appended first: decide again on the new state
        return Appended(entry, load(case), True)
    raise RuntimeError(f"could not append to case history after {MAX_TRIES} tries")
