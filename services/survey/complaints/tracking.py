"""The citizen's view of a ticket: its steps as the tracker recorded them, folded.

Never the contact details, the text of another citizen or a handler's internal notes: the
steps carry only the public text handlers wrote for the citizen. A ticket marked as a
duplicate shows the answer of the ticket it duplicates once that one is answered.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.domain import complaints
from shared.records.complaints import Complaint, ComplaintStep


@dataclass(frozen=True)
class _Entry:
    seq: int
    kind: str
    at: datetime
    by: str
    data: dict[str, Any]


def _entries(ticket: str) -> list[_Entry]:
    out = []
    for s in ComplaintStep.objects(ticket=ticket):
        data = {"reason": s.text, "reply": s.text, "public": s.text, "to_unit": s.unit, "of": s.duplicate_of}
        out.append(_Entry(s.seq, s.kind, s.at, "", data))
    return out


def state_of(doc: Complaint) -> complaints.TicketState:
    return complaints.fold(doc.ticket, doc.unit, doc.received_at, _entries(doc.ticket))


def view(doc: Complaint, lang: str = "id") -> dict:
    state = state_of(doc)
    reply = state.reply
    if state.duplicate_of:
        original = Complaint.objects(pk=state.duplicate_of).first()
        if original is not None:
            reply = state_of(original).reply
    pick = 1 if lang == "en" else 0
    steps = [{**step, "label": complaints.STATE_LABELS[step["state"]][pick], "text": step.get("text")}
             for step in state.steps]
    return {"ticket": doc.ticket, "kind": doc.kind, "unsur": doc.unsur, "unit": state.unit, "state": state.state,
            "label": complaints.STATE_LABELS[state.state][pick], "received_at": doc.received_at, "reply": reply,
            "duplicate_of": state.duplicate_of, "steps": steps}
