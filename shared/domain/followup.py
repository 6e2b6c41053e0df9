"""Rencana tindak lanjut (RTL): the follow-up plan a unit publishes with its SKM, built from its
lowest unsur, and whether it worked, judged by the next period's NRR of the unsur it addressed.
Pure functions, no I/O."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.domain import skm

# status -> (Bahasa Indonesia, English); "batal" keeps the item in the history and the report
STATUSES = {"rencana": ("Direncanakan", "Planned"), "berjalan": ("Sedang berjalan", "In progress"),
            "selesai": ("Selesai", "Done"), "batal": ("Dibatalkan", "Cancelled")}
STATUS_CODES = tuple(STATUSES)


def status_label(status: str, lang: str = "id") -> str:
    pair = STATUSES.get(status, (status, status))
    return pair[1] if lang == "en" else pair[0]


def addressed(plans: Iterable[Mapping[str, Any]]) -> list[str]:
    """The unsur the plans address (cancelled items left out), in the regulation's order."""
    codes = {c for p in plans if p.get("status") != "batal" for c in p.get("unsur") or ()}
    return [c for c in skm.UNSUR_CODES if c in codes]


def compare(plans: Iterable[Mapping[str, Any]], before: Mapping[str, float | None],
            after: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """Per unsur a plan addressed: its NRR in the plan's period (``before``) and in the next
    (``after``), the change (from the NRR as shown, 4 decimals) and its direction."""
    out = []
    for code in addressed(plans):
        b, a = before.get(code), after.get(code)
        change = round(a - b, 4) if a is not None and b is not None else None
        direction = None if change is None else "up" if change > 0 else "down" if change < 0 else "flat"
        out.append({"unsur": code, "before": b, "after": a, "change": change, "direction": direction})
    return out
