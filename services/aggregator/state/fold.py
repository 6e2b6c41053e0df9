"""Incremental indicator state: which document an event belongs to and how it is folded in.

Pure functions over plain dicts (no I/O): the worker, the full recomputation and the
rebuild all use them, which is why their results agree.

A state document holds running totals for one ``(kind, scope, period)`` *as seen by one
partition of one topic*, and ``applied``, the offset of the last event folded into it. Only
the consumer that owns that partition writes it, and an event at or below ``applied`` is
skipped: that is what makes redelivery harmless. Queries merge the documents of all
partitions (usually one) for a scope.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.contracts import payloads
from shared.contracts.events import Event, InvalidEvent

from services.aggregator.state import sources

SKM, PEER, CUSTOM, APPRAISAL = "skm", "peer", "custom", "appraisal"
# A unit's per-officer SKM totals are a document of their own: the unit document stays small
# (read by every unit query), and the officers' totals are read only when officers are asked for.
SKM_OFFICERS = "skm-officers"


def targets(event: Event) -> list[tuple[str, str, str]]:
    """``(kind, scope, period)`` of every state document an event updates.

    Raises :class:`InvalidEvent` when a value the fold would write as a field name is not one
    a database stores (see :func:`field_names`): the contracts already refuse such events,
    and this keeps the fold safe whatever a future contract lets through."""
    if not all(_storable_name(name) for name in field_names(event)):
        raise InvalidEvent("a value that would become a field name cannot be stored")
    p = event.payload
    if event.type == payloads.SKM_RESPONSE and p.get("officer"):
        return [(SKM, p["unit"], p["period"]), (SKM_OFFICERS, p["unit"], p["period"])]
    return [target(event)]


def target(event: Event) -> tuple[str, str, str]:
    """``(kind, scope, period)`` of the main state an event updates (see :func:`targets`)."""
    p = event.payload
    if event.type == payloads.SKM_RESPONSE:
        return SKM, p["unit"], p["period"]
    if event.type == payloads.PEER_FEEDBACK:
        return PEER, p["ratee"], p["period"]
    if event.type == payloads.SURVEY_RESPONSE:
        return CUSTOM, f"{p['template']}~{p['unit']}", p["period"]
    if event.type == payloads.APPRAISAL:
        return APPRAISAL, p["nip"], p["period"]
    raise ValueError(f"no indicator state for events of type {event.type}")


def field_names(event: Event) -> list[object]:
    """Every payload value :func:`apply` writes as a field name of a state document."""
    p = event.payload
    if event.type == payloads.SKM_RESPONSE:
        profile = p.get("profile") or {}
        skm_names: list[object] = [*p["answers"], p.get("service") or "-", p.get("officer") or "-", p["channel"],
                                   *profile, *(v for v in profile.values() if v)]
        if p.get("officer") and p["channel"] != sources.KIOSK:   # the officer's sources (see .sources)
            skm_names += [sources.hour_of(p), str(p.get("client_hash") or sources.UNKNOWN)[:sources.TAG_LENGTH]]
        return skm_names
    if event.type == payloads.PEER_FEEDBACK:
        return [*p["values"], p["relation"]]
    if event.type == payloads.SURVEY_RESPONSE:
        names: list[object] = list(p["answers"])
        for value in p["answers"].values():
            names += value if isinstance(value, list) else [str(value)]
        return names
    return []


def _storable_name(name: object) -> bool:
    return (type(name) is str and 0 < len(name) <= 100 and "." not in name and not name.startswith("$")
            and "\x00" not in name)


def doc_id(topic: str, partition: int, kind: str, scope: str, period: str) -> str:
    return f"{topic}|{partition}|{kind}|{scope}|{period}"


def new_doc(topic: str, partition: int, kind: str, scope: str, period: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"_id": doc_id(topic, partition, kind, scope, period), "topic": topic,
                           "partition": partition, "kind": kind, "scope": scope, "period": period, "applied": -1,
                           "events": 0}
    if kind == SKM:
        doc.update(unit=_totals(), services={}, profile={}, channels={}, comments=0)
    elif kind == SKM_OFFICERS:
        doc.update(officers={})
    elif kind == PEER:
        doc.update(unit=None, sums={}, counts={}, raters=[], relations={}, self=_totals())
    elif kind == CUSTOM:
        doc.update(respondents=0, numeric={}, choices={})
    return doc


def _totals() -> dict[str, Any]:
    return {"respondents": 0, "sums": {}, "counts": {}}


def _add(totals: dict[str, Any], answers: Mapping[str, int]) -> None:
    totals["respondents"] += 1
    sums, counts = totals["sums"], totals["counts"]
    for code, value in answers.items():
        sums[code] = sums.get(code, 0) + value
        counts[code] = counts.get(code, 0) + 1


def _inc(mapping: dict[str, int], key: str, by: int = 1) -> None:
    mapping[key] = mapping.get(key, 0) + by


def apply(doc: dict[str, Any], event: Event, offset: int) -> bool:
    """Fold ``event`` (at ``offset``) into ``doc``; False if it was already folded in."""
    if offset <= doc["applied"]:
        return False
    p = event.payload
    kind = doc["kind"]
    if kind == SKM:
        answers = p["answers"]
        _add(doc["unit"], answers)
        if p.get("service"):
            _add(doc["services"].setdefault(p["service"], _totals()), answers)
        for key, value in (p.get("profile") or {}).items():
            if value:
                _inc(doc["profile"].setdefault(key, {}), value)
        _inc(doc["channels"], p["channel"])
        if p.get("has_comment"):
            doc["comments"] += 1
    elif kind == SKM_OFFICERS:
        officer = doc["officers"].setdefault(p["officer"], _totals())
        _add(officer, p["answers"])
        sources.record(officer, p)
    elif kind == PEER:
        if p["relation"] == "self":
            _add(doc["self"], p["values"])  # kept apart: self-ratings never enter the peer result
        else:
            for code, value in p["values"].items():
                doc["sums"][code] = doc["sums"].get(code, 0) + value
                doc["counts"][code] = doc["counts"].get(code, 0) + 1
            if p["rater_hash"] not in doc["raters"]:
                doc["raters"].append(p["rater_hash"])
            _inc(doc["relations"], p["relation"])
            doc["scale_max"] = p["scale_max"]
        doc["unit"] = p["ratee_unit"]
    elif kind == CUSTOM:
        doc["respondents"] += 1
        doc["template"], doc["unit"] = p["template"], p["unit"]
        for question, value in p["answers"].items():
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, (int, float)):
                stats = doc["numeric"].setdefault(question, {"sum": 0, "n": 0, "dist": {}})
                stats["sum"] += value
                stats["n"] += 1
                _inc(stats["dist"], str(value))
            elif isinstance(value, str):
                _inc(doc["choices"].setdefault(question, {}), value)
            elif isinstance(value, list):
                for option in value:
                    _inc(doc["choices"].setdefault(question, {}), str(option))
    elif kind == APPRAISAL:
        doc.update(hasil_kerja=p["hasil_kerja"], perilaku=p.get("perilaku"), appraisal_id=p["appraisal_id"],
                   unit=p.get("unit"),
                   recorded_at=p["recorded_at"])
    doc["applied"] = offset
    doc["events"] += 1
    return True
