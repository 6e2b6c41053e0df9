"""What anyone may see: unit-level SKM results (the publication PermenPAN-RB 14/2017 asks
for). Built from the same report rows the evaluation team reads, cut down to unit-level
fields: never officers, employees, services or citizens."""
from __future__ import annotations

from collections.abc import Mapping

from shared.records.directory import Unit

from services.aggregator.queries import reports

PUBLIC_FIELDS = ("unit", "period", "respondents", "nrr", "skm", "ikm", "grade", "lowest_unsur", "weighting", "sample")


def public_row(row: Mapping) -> dict:
    """A unit row of :func:`reports.units` with only the public fields (the sample only when
    a population is configured)."""
    out = {k: row[k] for k in PUBLIC_FIELDS if k in row}
    if not (out.get("sample") or {}).get("population"):
        out.pop("sample", None)
    return out


def unit(code: str, period: str) -> dict:
    """One unit's public result for a period (respondents 0 when nobody answered)."""
    return public_row(reports.units(period, code)[0])


def units(period: str) -> list[dict]:
    """Every unit of the directory and every unit with responses in the period, with its
    name (Bahasa Indonesia and English), by code."""
    rows = {row["unit"]: public_row(row) for row in reports.units(period)}
    names = {u.code: (u.name, u.name_en or u.name) for u in Unit.heads()}
    out = []
    for code in sorted(set(rows) | set(names)):
        row = rows.get(code) or public_row(reports.units(period, code)[0])
        name_id, name_en = names.get(code, (code, code))
        out.append({**row, "name": name_id, "name_en": name_en})
    return out


def rollup(period: str) -> dict:
    """The Pemda's index, its OPD ranked and every unit ranked (:func:`reports.rollup`), with
    the units' names. Only unit-level figures: pooled counts, NRR, IKM, population, rank."""
    out = reports.rollup(period)
    names = {u.code: (u.name, u.name_en or u.name) for u in Unit.heads()}

    def named(row: dict) -> dict:
        name_id, name_en = names.get(row["unit"], (row["unit"], row["unit"]))
        return {**row, "name": name_id, "name_en": name_en}

    for row in out["opd"]:
        row["tree"] = [named(node) for node in row["tree"]]
    return {**out, "opd": [named(r) for r in out["opd"]], "units": [named(r) for r in out["units"]]}
