"""Indicator results from state documents: pure functions, no I/O.

State documents (see :mod:`.state`) hold running totals per partition and month; these
functions merge any set of them (several partitions, the months of a quarter or a year)
and turn the totals into what evaluation teams read: SKM per unit and service, officer
satisfaction, peer (BerAKHLAK) results and the predikat kinerja.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from shared.domain import berakhlak, peer_release, skm
from shared.domain.periods import quarter_of

OFFICER_SCALE = 25  # officer index = mean of the U6/U7 NRR x 25: the same 25-100 scale as the IKM


# -- SKM: units, services, officers ----------------------------------------------------------

@dataclass
class SkmMerge:
    unit: skm.Totals = field(default_factory=skm.Totals)
    services: dict[str, skm.Totals] = field(default_factory=dict)


def merge_skm(docs: Iterable[Mapping[str, Any]]) -> dict[str, SkmMerge]:
    """unit code -> merged totals of the unit and its services (officers: :func:`officer_totals`)."""
    out: dict[str, SkmMerge] = {}
    for doc in docs:
        m = out.setdefault(doc["scope"], SkmMerge())
        if doc.get("unit"):
            m.unit = m.unit.merge(skm.Totals.from_dict(doc["unit"]))
        for name, totals in (doc.get("services") or {}).items():
            m.services[name] = m.services.get(name, skm.Totals()).merge(skm.Totals.from_dict(totals))
    return out


def merge_profile(docs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Profile counts (``{"sex": {"L": 3}}``), channel counts and comment count, summed; a
    legacy profile category is counted as what it is read as today (:func:`skm.profile_value`)."""
    profile: dict[str, dict[str, int]] = {}
    channels: dict[str, int] = {}
    comments = 0
    for doc in docs:
        for key, counts in (doc.get("profile") or {}).items():
            into = profile.setdefault(key, {})
            for value, n in counts.items():
                value = skm.profile_value(key, value)
                into[value] = into.get(value, 0) + n
        for channel, n in (doc.get("channels") or {}).items():
            channels[channel] = channels.get(channel, 0) + n
        comments += doc.get("comments") or 0
    return {"profile": profile, "channels": channels, "comments": comments}


def officer_totals(docs: Iterable[Mapping[str, Any]], only: set[str] | None = None) -> dict[str, skm.Totals]:
    """NIP -> totals over every unit the officer served in (docs of several units merged)."""
    out: dict[str, skm.Totals] = {}
    for doc in docs:
        for nip, totals in (doc.get("officers") or {}).items():
            if only is None or nip in only:
                out[nip] = out.get(nip, skm.Totals()).merge(skm.Totals.from_dict(totals))
    return out


def officer_units(docs: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for doc in docs:
        for nip in doc.get("officers") or {}:
            out.setdefault(nip, set()).add(doc["scope"])
    return out


def _mean(totals: skm.Totals, code: str) -> Fraction | None:
    n = totals.counts.get(code, 0)
    return Fraction(totals.sums.get(code, 0), n) if n else None


def officer_index_exact(totals: skm.Totals) -> Fraction | None:
    """Officer satisfaction, 25-100, exactly: the mean of the U6 and U7 NRR (those answered) x 25."""
    means = [m for m in (_mean(totals, c) for c in skm.OFFICER_UNSUR) if m is not None]
    return sum(means, Fraction(0)) / len(means) * OFFICER_SCALE if means else None


def officer_index(totals: skm.Totals) -> float | None:
    """:func:`officer_index_exact` rounded half-up to 2 decimals."""
    value = officer_index_exact(totals)
    return float(skm.half_up(value, 2)) if value is not None else None


def officer_result(nip: str, totals: skm.Totals, previous: skm.Totals | None = None) -> dict[str, Any]:
    """Count, mean U6 and U7, mean of all unsur (their NRR, equal weights) and the trend
    (the difference of the two indices as shown)."""
    all_unsur = skm.skm_exact(skm.nrr_exact(totals))
    index = officer_index(totals)
    before = officer_index(previous) if previous is not None and previous.respondents else None
    if index is None or before is None:
        trend: dict[str, Any] = {"previous": before, "delta": None, "direction": None}
    else:
        delta = float(Decimal(repr(index)) - Decimal(repr(before)))
        trend = {"previous": before, "delta": delta,
                 "direction": "up" if delta > 0 else "down" if delta < 0 else "flat"}
    return {
        "nip": nip, "responses": totals.respondents,
        "u6": _round(_mean(totals, "U6")), "u7": _round(_mean(totals, "U7")),
        "mean_all": _round(all_unsur), "index": index, "trend": trend,
    }


def _round(value: Fraction | None, places: int = 4) -> float | None:
    return float(skm.half_up(value, places)) if value is not None else None


# -- Peer (BerAKHLAK 360) -------------------------------------------------------------------

@dataclass
class PeerMerge:
    sums: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    raters: set[str] = field(default_factory=set)
    relations: dict[str, int] = field(default_factory=dict)
    unit: str | None = None
    unit_period: str = ""


def merge_peer(docs: Iterable[Mapping[str, Any]]) -> dict[str, PeerMerge]:
    """ratee NIP -> merged peer totals (self-ratings are never part of them)."""
    out: dict[str, PeerMerge] = {}
    for doc in docs:
        m = out.setdefault(doc["scope"], PeerMerge())
        for code, value in (doc.get("sums") or {}).items():
            m.sums[code] = m.sums.get(code, 0) + value
        for code, value in (doc.get("counts") or {}).items():
            m.counts[code] = m.counts.get(code, 0) + value
        m.raters.update(doc.get("raters") or ())
        for rel, n in (doc.get("relations") or {}).items():
            m.relations[rel] = m.relations.get(rel, 0) + n
        if doc.get("unit") and doc["period"] >= m.unit_period:  # the latest unit seen
            m.unit, m.unit_period = doc["unit"], doc["period"]
    return out


def peer_result(merged: PeerMerge, *, min_raters: int, below: float, above: float,
                failing: str = berakhlak.CAP) -> dict[str, Any]:
    """Per-value means and ratings, or only {released: false, raters, min_raters}."""
    return berakhlak.peer_summary(merged.sums, merged.counts, len(merged.raters), configured_min=min_raters,
                                  below=below, above=above, failing=failing)


def merge_peer_quarters(docs: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, PeerMerge]]:
    """ratee NIP -> quarter -> merged peer totals of that quarter's months. Peer results are
    released per quarter (:mod:`shared.domain.peer_release`): months are merged within their
    quarter and never across quarters."""
    by_quarter: dict[str, list[Mapping[str, Any]]] = {}
    for doc in docs:
        by_quarter.setdefault(quarter_of(doc["period"]), []).append(doc)
    out: dict[str, dict[str, PeerMerge]] = {}
    for quarter, group in sorted(by_quarter.items()):
        for nip, merged in merge_peer(group).items():
            out.setdefault(nip, {})[quarter] = merged
    return out


def perilaku_peer(period: str, by_quarter: Mapping[str, Mapping[str, Any]]
                  ) -> tuple[str | None, Mapping[str, Any] | None]:
    """The quarter and the released peer result (of ``by_quarter``: quarter -> result) a
    predikat of ``period`` takes its perilaku from (:func:`~shared.domain.peer_release.perilaku_quarter`),
    or (None, None)."""
    quarter = peer_release.perilaku_quarter(period, {q for q, r in by_quarter.items() if r.get("released")})
    return (quarter, by_quarter[quarter]) if quarter is not None else (None, None)


def values_below(result: Mapping[str, Any]) -> list[str]:
    """The BerAKHLAK values rated Di Bawah Ekspektasi in a released peer result."""
    if not result.get("released"):
        return []
    return [code for code, v in result["values"].items() if v["rating"] == berakhlak.DI_BAWAH]


# -- Predikat kinerja -------------------------------------------------------------------------

def predikat_result(hasil_kerja: str | None, peer: Mapping[str, Any] | None,
                    rated_perilaku: str | None = None) -> dict[str, Any]:
    """Predikat from the imported hasil kerja and the perilaku (None when one is missing): the
    rater's imported perilaku when given (PermenPAN-RB 6/2022: the pejabat penilai decides it),
    else the one derived from the released peer feedback."""
    derived = peer.get("perilaku") if peer and peer.get("released") else None
    perilaku = rated_perilaku or derived
    source = "appraisal" if rated_perilaku else "peer" if derived else None
    out = {"hasil_kerja": hasil_kerja, "perilaku": perilaku, "perilaku_source": source, "predikat": None,
           "label": None, "label_en": None}
    if hasil_kerja and perilaku:
        code = berakhlak.predikat(hasil_kerja, perilaku)
        out.update(predikat=code, label=berakhlak.PREDIKAT_LABELS[code][0], label_en=berakhlak.PREDIKAT_LABELS[code][1])
    return out


def unit_result(unit: str, period: str, totals: skm.Totals, weights: Any, population: int | None) -> dict[str, Any]:
    """The SKM of a unit or service; ``weights`` an :class:`~..indicator_policy.Weights` or
    None (the regulation's equal weights)."""
    result = skm.evaluate(totals, weights.weights if weights is not None else None, population)
    if "sample" not in result:
        result["sample"] = {"population": None, "target": None, "adequate": None}
    result["weighting"] = weights.weighting if weights is not None else skm.weighting(None)
    result["weights"] = result["weighting"]["kind"]
    return {"unit": unit, "period": period, **result}
