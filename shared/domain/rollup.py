"""IKM gabungan: the SKM of an OPD (a top-level unit with every unit below it) and of the whole
Pemda, and the ranking a Pemda publishes. Pure functions, no I/O.

Every row pools the integer totals of its units and computes from them, exactly as a unit's
own result is computed (:mod:`.skm`): NRR per unsur from the pooled sums and counts, the IKM
from the pooled NRR with the regulation's equal weights. Beside it, labelled separately, the
mean of its units' own IKM (each with the unit's weights), exact until it is rounded half-up.

Ranking: rows with respondents, highest IKM first; a row whose sample is under its
Krejcie-Morgan target is marked and ranked after every row that met its target or has no
population to judge it by (those after the rows that met it). Equal IKM shares a rank.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from shared.domain import skm

MAX_DEPTH = 50  # no real directory is deeper; bounds every walk up the tree


@dataclass(frozen=True)
class UnitFigures:
    """One unit's inputs: its parent in the directory, its totals for the period, its own SKM
    weights (None: the regulation's equal weights) and its population for the period (None: not set)."""

    code: str
    parent: str | None = None
    totals: skm.Totals = field(default_factory=skm.Totals)
    weights: Mapping[str, skm.Weight] | None = None
    population: int | None = None

    @property
    def ikm(self) -> Fraction | None:
        """The unit's own IKM (25-100) exactly, with its weights, as its own result publishes it."""
        value = skm.skm_exact(skm.nrr_exact(self.totals), self.weights)
        return value * 25 if value is not None else None


def top_of(code: str, parents: Mapping[str, str | None]) -> str:
    """The OPD a unit belongs to: the top of its chain of parents. A parent missing from the
    directory ends the chain (the last known unit is the top); a loop ends at its smallest code,
    so every member of a loop lands in the same OPD."""
    seen: list[str] = []
    current = code
    for _ in range(MAX_DEPTH):
        if current in seen:
            return min(seen[seen.index(current):])
        seen.append(current)
        parent = parents.get(current)
        if not parent or parent not in parents:
            return current
        current = parent
    return current


def tree(units: Iterable[str], parents: Mapping[str, str | None]) -> dict[str, list[tuple[str, int]]]:
    """OPD code -> its units in tree order (the OPD first, children by code) with their depth."""
    codes = sorted(set(units))
    tops = {c: top_of(c, parents) for c in codes}
    children: dict[str, list[str]] = {}
    for c in codes:
        parent = parents.get(c)
        if c != tops[c] and parent:
            children.setdefault(parent, []).append(c)
    out: dict[str, list[tuple[str, int]]] = {}
    for top in sorted(set(tops.values())):
        order: list[tuple[str, int]] = []
        placed: set[str] = set()
        stack = [(top, 0)]
        while stack:
            code, depth = stack.pop()
            if code in placed:
                continue
            placed.add(code)
            order.append((code, depth))
            stack += [(child, depth + 1) for child in sorted(children.get(code, ()), reverse=True)]
        out[top] = order
    return out


def pooled(members: list[UnitFigures], weights: Mapping[str, skm.Weight] | None = None) -> dict[str, Any]:
    """The row of a group of units: respondents, NRR per unsur and IKM of the pooled answers
    (equal weights; a single unit's row passes its own), the mean of the units' own IKM, mutu,
    population and sample target."""
    totals = skm.Totals()
    for m in members:
        totals = totals.merge(m.totals)
    by_unsur = skm.nrr_exact(totals)
    value = skm.skm_exact(by_unsur, weights)
    converted = skm.ikm(value)
    own = [m.ikm for m in members if m.ikm is not None]
    mean = sum(own, Fraction(0)) / len(own) if own else None
    populations = [m.population for m in members if m.population is not None]
    population = sum(populations) if populations else None
    target = skm.krejcie_morgan(population) if population else None
    return {
        "units": len(members), "units_with_respondents": len(own), "respondents": totals.respondents,
        "nrr": {c: (float(skm.half_up(v, 4)) if v is not None else None) for c, v in by_unsur.items()},
        "skm": float(skm.half_up(value, 4)) if value is not None else None,
        "ikm": float(converted) if converted is not None else None,
        "grade": skm.grade(converted),
        "ikm_units_mean": float(skm.half_up(mean, 2)) if mean is not None else None,
        "sample": {"population": population, "population_units": len(populations), "target": target,
                   "adequate": totals.respondents >= target if target is not None else None},
        "_exact": value,
    }


def _standing(row: Mapping[str, Any]) -> int:
    """0: met its target, 1: no population to judge by, 2: under its target."""
    adequate = row["sample"]["adequate"]
    return 0 if adequate else 1 if adequate is None else 2


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` sorted as published, each with ``rank`` (None without respondents) and
    ``under_target``; the exact value used to compare is dropped."""
    def key(row: dict[str, Any]) -> tuple[bool, int, Fraction, str]:
        value = row["_exact"]
        return (value is None, _standing(row), -(value or Fraction(0)), row["unit"])

    ordered = sorted(rows, key=key)
    out: list[dict[str, Any]] = []
    for i, row in enumerate(ordered):
        row = dict(row)
        row["under_target"] = row["sample"]["adequate"] is False
        if row["_exact"] is None:
            row["rank"] = None
        elif i and ordered[i - 1]["_exact"] == row["_exact"] and _standing(ordered[i - 1]) == _standing(row):
            row["rank"] = out[-1]["rank"]
        else:
            row["rank"] = i + 1
        out.append(row)
    for row in out:
        row.pop("_exact", None)
    return out


def rollup(units: Iterable[UnitFigures]) -> dict[str, Any]:
    """``{"pemda": row, "opd": [row, ...ranked], "units": [row, ...ranked]}``; each OPD row
    carries ``tree`` (its units with their depth), each unit row its ``opd`` and ``parent``."""
    figures = {u.code: u for u in units}
    parents = {code: u.parent for code, u in figures.items()}
    groups = tree(figures, parents)
    opd = []
    for top, order in groups.items():
        row = {"unit": top, **pooled([figures[c] for c, _ in order]),
               "tree": [{"unit": c, "depth": d, "parent": parents.get(c) if d else None} for c, d in order]}
        opd.append(row)
    tops = {c: top for top, order in groups.items() for c, _ in order}
    unit_rows = [{"unit": code, "opd": tops[code], "parent": parents.get(code) if tops[code] != code else None,
                  **pooled([u], u.weights)} for code, u in sorted(figures.items())]
    pemda = pooled(list(figures.values()))
    pemda.pop("_exact")
    return {"pemda": {**pemda, "opd": len(opd)}, "opd": rank(opd), "units": rank(unit_rows)}
