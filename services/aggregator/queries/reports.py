"""Indicator reports for a period: reads the state documents of its months, merges them and
computes the results (:mod:`.indicators`). Reads state only, never raw responses."""
from __future__ import annotations

from shared.domain import peer_release, skm
from shared.domain.periods import months_in, previous

from services.aggregator import indicator_policy
from services.aggregator.state import fold, officer_index, results, store


def _skm_docs(period: str, unit: str | None = None, projection: dict | None = None) -> list[dict]:
    query: dict = {"kind": fold.SKM}
    if unit:
        query["scope"] = unit
    return store.find_months(query, months_in(period), projection)


def units(period: str, unit: str | None = None) -> list[dict]:
    """SKM per unit (every unit with responses in the period, or one)."""
    merged = results.merge_skm(_skm_docs(period, unit, {"scope": 1, "unit": 1}))
    if unit and unit not in merged:
        merged[unit] = results.SkmMerge()
    weights = indicator_policy.weights_by_unit(sorted(merged))
    pops = indicator_policy.populations(period)
    return [results.unit_result(code, period, m.unit, weights.get(code), pops.get(code))
            for code, m in sorted(merged.items())]


def respondent_profile(period: str, unit: str | None) -> dict:
    """The unit's (None: every unit's) respondents by profile category, channel, and how many
    left a comment."""
    docs = _skm_docs(period, unit, {"profile": 1, "channels": 1, "comments": 1})
    return results.merge_profile(docs)


def services(period: str, unit: str | None = None, service: str | None = None) -> list[dict]:
    """SKM per service (jenis layanan) of each unit."""
    merged = results.merge_skm(_skm_docs(period, unit, {"scope": 1, "services": 1}))
    weights = indicator_policy.weights_by_unit(sorted(merged))
    pops = indicator_policy.populations(period)
    out = []
    for code, m in sorted(merged.items()):
        for name, totals in sorted(m.services.items()):
            if service and name != service:
                continue
            scope = f"{code}~{name}"
            result = results.unit_result(code, period, totals, weights.get(code), pops.get(scope))
            out.append({"unit": code, "service": name, **{k: v for k, v in result.items() if k != "unit"}})
    return out


def _officer_docs(period: str, unit: str | None, nips: set[str] | None) -> list[dict]:
    """SKM state documents of the period that may name ``nips`` (all of the unit's, or all).

    For a few officers the officer index says which units' documents to read, so one
    employee costs a few small reads instead of every unit's document of the month."""
    projection = {"scope": 1, "period": 1, "officers": 1}
    if unit is None and nips is not None:
        found = officer_index.documents_naming(nips, months_in(period), projection)
        if found is not None:
            return found
    query: dict = {"kind": fold.SKM_OFFICERS}
    if unit:
        query["scope"] = unit
    return store.find_months(query, months_in(period), projection)


def officers(period: str, *, unit: str | None = None, nips: set[str] | None = None) -> list[dict]:
    """Per officer named in responses: count, mean U6/U7, mean of all unsur, trend."""
    def totals_for(p: str) -> tuple[dict[str, skm.Totals], dict[str, set[str]]]:
        docs = _officer_docs(p, unit, nips)
        return results.officer_totals(docs, nips), results.officer_units(docs)

    current, seen_in = totals_for(period)
    before, _ = totals_for(previous(period)) if current else ({}, {})
    return [{**results.officer_result(nip, t, before.get(nip)), "units": sorted(seen_in.get(nip, ())),
             "period": period}
            for nip, t in sorted(current.items())]


def _peer_quarters(months: list[str], nips: set[str] | None = None) -> dict[str, dict[str, results.PeerMerge]]:
    """NIP -> quarter -> merged peer totals of ``months`` (one query; merged per quarter only)."""
    return results.merge_peer_quarters(store.find_months({"kind": fold.PEER}, months, {"self": 0}, scopes=nips))


def _peer_results(quarters: dict[str, results.PeerMerge], rules: indicator_policy.Peer) -> dict[str, dict]:
    return {q: results.peer_result(m, min_raters=rules.min_raters, below=rules.below, above=rules.above,
                                   failing=rules.failing) for q, m in quarters.items()}


def peer(period: str, *, unit: str | None = None, nips: set[str] | None = None) -> list[dict]:
    """Peer (BerAKHLAK) results as released for ``period`` (:mod:`shared.domain.peer_release`):
    for a quarter one row per employee, withheld below the rater threshold; for a semester or a
    year one row per employee and released quarter (``period`` of the row: the quarter), never
    a result over the whole period. A month raises :class:`~shared.domain.peer_release.MonthNotReleased`."""
    quarters = peer_release.release_quarters(period)
    rules = indicator_policy.peer()
    months = [m for q in quarters for m in months_in(q)]
    out = []
    for nip, merged in sorted(_peer_quarters(months, nips).items()):
        in_unit = {q: m for q, m in merged.items() if not unit or m.unit == unit}
        by_quarter = _peer_results(in_unit, rules)
        out += [{"nip": nip, "unit": in_unit[q].unit, "period": q, **result}
                for q, result in peer_release.published(period, by_quarter)]
    return out


def appraisals(period: str, nips: set[str] | None = None) -> dict[str, dict]:
    return {d["scope"]: d for d in store.find_months({"kind": fold.APPRAISAL}, [period], scopes=nips)}


def predikat(period: str, *, unit: str | None = None, nips: set[str] | None = None) -> list[dict]:
    """Predikat kinerja per employee with an imported hasil kerja or peer feedback. A perilaku
    from peer feedback is a released quarter's (``perilaku_period``): the quarter of a month or
    a quarter, the latest released quarter of a semester or a year (never a mean over it)."""
    rules = indicator_policy.peer()
    peers = _peer_quarters(peer_release.peer_months(period), nips)
    appraised = appraisals(period, nips)
    out = []
    for nip in sorted(set(peers) | set(appraised)):
        merged = peers.get(nip, {})
        doc = appraised.get(nip) or {}
        latest = merged[max(merged)] if merged else results.PeerMerge()
        emp_unit = latest.unit or doc.get("unit")
        if unit and emp_unit != unit:
            continue
        quarter, result = results.perilaku_peer(period, _peer_results(merged, rules))
        row = results.predikat_result(doc.get("hasil_kerja"), result, doc.get("perilaku"))
        out.append({"nip": nip, "unit": emp_unit, "period": period, **row,
                    "perilaku_period": quarter if row.get("perilaku_source") == "peer" else None})
    return out


def rollup(period: str) -> dict:
    """IKM per OPD and for the whole Pemda with the ranking (:mod:`shared.domain.rollup`):
    every unit of the directory and every unit with responses in the period, under its parent."""
    from shared.domain import rollup as pooling
    from shared.records.directory import Unit

    merged = results.merge_skm(_skm_docs(period, projection={"scope": 1, "unit": 1}))
    parents = {u.code: u.parent for u in Unit.heads()}
    codes = sorted(set(parents) | set(merged))
    weights = indicator_policy.weights_by_unit(codes)
    pops = indicator_policy.populations(period)
    figures = [pooling.UnitFigures(code, parents.get(code), merged[code].unit if code in merged else skm.Totals(),
                                   w.weights if (w := weights.get(code)) is not None else None, pops.get(code))
               for code in codes]
    out = pooling.rollup(figures)
    for row in out["units"]:
        row["weights"] = "custom" if weights.get(row["unit"]) is not None else "equal"
    return {"period": period, **out}


def unit_totals(period: str, unit: str | None) -> skm.Totals:
    """The pooled SKM totals (sums and counts per unsur) of one unit, or of every unit (None)."""
    merged = results.merge_skm(_skm_docs(period, unit, {"scope": 1, "unit": 1}))
    totals = skm.Totals()
    for m in merged.values():
        totals = totals.merge(m.unit)
    return totals
