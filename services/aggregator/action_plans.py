"""Rencana tindak lanjut (RTL) records: one revisioned record per action of a unit's plan for a
period (kegiatan, unsur addressed, waktu, penanggung jawab, status, evidence). Every change is an
insert-only revision (:mod:`shared.platform.revisions`); the aggregator's API processes are the
only writers. Who may write: admins, and the head of the unit or of a unit above it."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mongoengine import ListField, StringField

from shared.contracts.formats import CODE
from shared.domain import followup
from shared.platform.revisions import Revisioned
from shared.records.directory import MAX_CHAIN, Unit


class ActionPlan(Revisioned):
    """One action of a unit's RTL for a period; ``item`` is its opaque id."""

    KEY = "item"
    meta = {"collection": "agg_action_plans",
            "indexes": [{"fields": ["item", "rev"], "unique": True}, ("superseded", "unit", "period")]}
    item = StringField(required=True, regex=r"^rtl-[0-9a-f]{12}$")
    unit = StringField(required=True, regex=CODE)
    period = StringField(required=True)
    kegiatan = StringField(required=True, max_length=500)
    unsur = ListField(StringField(choices=("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")), required=True)
    waktu = StringField(required=True, max_length=100)
    penanggung_jawab = StringField(required=True, max_length=200)
    status = StringField(required=True, choices=followup.STATUS_CODES, default="rencana")
    evidence_note = StringField(max_length=1000)
    evidence_url = StringField(max_length=500)


def new_item() -> str:
    return f"rtl-{secrets.token_hex(6)}"


def heads_of_unit(unit_code: str) -> set[str]:
    """NIPs of the heads of ``unit_code`` and of every unit above it (bounded walk)."""
    out: set[str] = set()
    current: str | None = unit_code
    for _ in range(MAX_CHAIN):
        record = Unit.head(current) if current else None
        if record is None:
            break
        if record.head_nip:
            out.add(record.head_nip)
        current = record.parent
    return out


def as_row(record: ActionPlan) -> dict[str, Any]:
    return {"item": record.item, "unit": record.unit, "period": record.period, "kegiatan": record.kegiatan,
            "unsur": list(record.unsur), "waktu": record.waktu, "penanggung_jawab": record.penanggung_jawab,
            "status": record.status, "evidence_note": record.evidence_note, "evidence_url": record.evidence_url,
            "rev": record.rev, "changed_at": record.changed_at, "changed_by": record.changed_by}


def of(unit: str | None, period: str) -> list[dict[str, Any]]:
    """The current actions of a unit's (or every unit's) plan for ``period``, oldest first."""
    filters: dict[str, Any] = {"period": period}
    if unit:
        filters["unit"] = unit
    records = ActionPlan.heads(**filters)
    created = {r.item: r.changed_at for r in ActionPlan.objects(item__in=[r.item for r in records], rev=1)
               .only("item", "changed_at")} if records else {}
    return [as_row(r) for r in sorted(records, key=lambda r: (r.unit, created.get(r.item, r.changed_at), r.item))]


def history(item: str) -> list[dict[str, Any]]:
    return [as_row(r) for r in ActionPlan.objects(item=item).order_by("rev")]


def save(item: str, values: Mapping[str, Any], *, at: datetime, by: str, expected_rev: int | None) -> ActionPlan:
    record, _ = ActionPlan.save_revision(item, dict(values), at=at, by=by, expected_rev=expected_rev)
    return record
