"""The coaching step of a batch: evaluate the rules for the scopes the batch touched.

Runs after the batch's state write and before its offsets are committed. It reads merged
state for exactly the touched units, officers and employees (a few queries per batch,
never one per event), evaluates every enabled rule (:mod:`.rules`) and hands the findings
to the :class:`~.cases.Decider`, which records and publishes cases.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.contracts import payloads
from shared.contracts.events import Event
from shared.domain import peer_release, skm
from shared.domain.periods import months_in, previous, quarter_of

from services.aggregator import indicator_policy
from services.aggregator.coaching import rules
from services.aggregator.coaching.rules import Finding
from services.aggregator.state import fold, officer_index, results, sources, store


@dataclass
class Touched:
    """What a batch touched: (unit, month), (officer NIP, month), (employee NIP, period)."""

    units: set[tuple[str, str]] = field(default_factory=set)
    officers: set[tuple[str, str]] = field(default_factory=set)
    employees: set[tuple[str, str]] = field(default_factory=set)
    tickets: set[str] = field(default_factory=set)     # complaint tickets with a new fact

    def add(self, event: Event) -> None:
        p = event.payload
        if event.type == payloads.SKM_RESPONSE:
            self.units.add((p["unit"], p["period"]))
            if p.get("officer"):
                self.officers.add((p["officer"], p["period"]))
        elif event.type in (payloads.PEER_FEEDBACK, payloads.APPRAISAL):
            self.employees.add((p["ratee"] if event.type == payloads.PEER_FEEDBACK else p["nip"], p["period"]))

    def __bool__(self) -> bool:
        return bool(self.units or self.officers or self.employees or self.tickets)


class SkmMonths:
    """SKM state documents by month, read once per decision round (one equality query per
    month) and shared by the unit and officer rules."""

    PROJECTIONS = {fold.SKM: {"scope": 1, "period": 1, "unit": 1},
                   fold.SKM_OFFICERS: {"scope": 1, "period": 1, "officers": 1}}

    def __init__(self) -> None:
        self._docs: dict[tuple[str, str], list[dict]] = {}

    def prefetch(self, months, kind: str = fold.SKM) -> None:
        """Read the months not read yet, a few at once."""
        missing = [m for m in dict.fromkeys(months) if (kind, m) not in self._docs]
        found = store.run_all([functools.partial(self._read, m, kind) for m in missing])
        self._docs.update({(kind, m): docs for m, docs in zip(missing, found)})

    def _read(self, month: str, kind: str) -> list[dict]:
        return list(store.collection(kind, month).find({"kind": kind, "period": month}, self.PROJECTIONS[kind]))

    def get(self, month: str, kind: str = fold.SKM) -> list[dict]:
        if (kind, month) not in self._docs:
            self._docs[kind, month] = self._read(month, kind)
        return self._docs[kind, month]


def findings(touched: Touched, active: list[rules.Rule], peer: indicator_policy.Peer,
             complaint_figures: Callable[[set[str]], dict[tuple[str, str], Any]] | None = None) -> list[Finding]:
    """``complaint_figures(tickets)``: (unit, month) -> answered-in-time share of the months
    those tickets were received in (the worker passes its settings and clock in it)."""
    out: list[Finding] = []
    months = SkmMonths()
    by_kind: dict[str, list[rules.Rule]] = {}
    for rule in active:
        if rule.enabled:
            by_kind.setdefault(rule.kind, []).append(rule)
    if touched.units and by_kind.get(rules.UNIT_IKM_LOW):
        out += _unit_findings(touched, by_kind[rules.UNIT_IKM_LOW], months)
    officer_rules = by_kind.get(rules.OFFICER_LOW, []) + by_kind.get(rules.OFFICER_DROP, [])
    if touched.officers and by_kind.get(rules.OFFICER_TOP):
        out += _officer_top_findings(touched, by_kind[rules.OFFICER_TOP], months)
    if touched.officers and officer_rules:
        out += _officer_findings(touched, officer_rules, months)
    employee_rules = (by_kind.get(rules.BERAKHLAK_BELOW, []) + by_kind.get(rules.BERAKHLAK_ABOVE, [])
                      + by_kind.get(rules.PREDIKAT_BELOW_BAIK, []))
    if touched.employees and employee_rules:
        out += _employee_findings(touched, employee_rules, peer)
    if touched.tickets and by_kind.get(rules.COMPLAINTS_SLA) and complaint_figures is not None:
        shares = complaint_figures(touched.tickets)
        out += [rules.complaints_sla(rule, unit, month, share) for rule in by_kind[rules.COMPLAINTS_SLA]
                for (unit, month), share in sorted(shares.items())]
    return out


def _unit_findings(touched: Touched, active: list[rules.Rule], months_cache: SkmMonths) -> list[Finding]:
    wanted = {(rule, unit, rules.period_of(month, rule.p("period")))
              for rule in active for unit, month in touched.units}
    units = sorted({u for _, u, _ in wanted})
    unit_set = set(units)
    months = sorted({m for _, _, p in wanted for m in months_in(p)})
    months_cache.prefetch(months)
    totals: dict[tuple[str, str], skm.Totals] = {}
    for doc in (d for month in months for d in months_cache.get(month) if d["scope"] in unit_set):
        key = (doc["scope"], doc["period"])
        totals[key] = totals.get(key, skm.Totals()).merge(skm.Totals.from_dict(doc["unit"]))
    weights = indicator_policy.weights_by_unit(units)
    out = []
    for rule, unit, period in sorted(wanted, key=lambda w: (w[0].code, w[1], w[2])):
        merged = skm.Totals()
        for month in months_in(period):
            merged = merged.merge(totals.get((unit, month), skm.Totals()))
        setting = weights.get(unit)
        out.append(rules.unit_ikm_low(rule, unit, period,
                                      skm.evaluate(merged, setting.weights if setting is not None else None)))
    return out


def officer_docs(nips: list[str], months: list[str], months_cache: SkmMonths | None = None) -> list[dict]:
    """``skm-officers`` state documents (any unit) of ``months`` that count responses naming
    one of ``nips``, projected to those officers' totals.

    A few officers: the officer index says which units' documents to read. Many: one query
    per month (an equality the local MongoDB-protocol server hands to its storage), and the
    officers are picked out here, which costs far less than asking the server to test
    hundreds of ``$exists`` conditions on every document.
    """
    wanted = set(nips)
    months_cache = months_cache or SkmMonths()
    docs = officer_index.documents_naming(wanted, months, SkmMonths.PROJECTIONS[fold.SKM_OFFICERS])
    if docs is None:
        months_cache.prefetch(months, fold.SKM_OFFICERS)
        docs = [doc for month in months for doc in months_cache.get(month, fold.SKM_OFFICERS)]
    out: list[dict] = []
    for doc in docs:
        officers = {nip: t for nip, t in (doc.get("officers") or {}).items() if nip in wanted}
        if officers:
            out.append({**doc, "officers": officers})
    return out


def _officer_findings(touched: Touched, active: list[rules.Rule], months_cache: SkmMonths) -> list[Finding]:
    needed: set[str] = set()
    for rule in active:
        for _, month in touched.officers:
            if rule.kind == rules.OFFICER_LOW:
                needed.update(rules.window(month, rule.p("window_months")))
            else:
                needed.update((month, previous(month)))
    nips = sorted({n for n, _ in touched.officers})
    docs = officer_docs(nips, sorted(needed), months_cache)
    by_month: dict[str, list[dict]] = {}
    for doc in docs:
        by_month.setdefault(doc["period"], []).append(doc)
    units = results.officer_units(docs)
    wanted = set(nips)
    per_month = {month: results.officer_totals(month_docs, wanted) for month, month_docs in by_month.items()}
    month_docs_of = by_month

    def totals(nip: str, months: list[str]) -> skm.Totals:
        merged = skm.Totals()
        for month in months:
            found = per_month.get(month, {}).get(nip)
            if found is not None:
                merged = merged.merge(found)
        return merged

    def origins(nip: str, months: list[str]) -> sources.Sources:
        docs_of = [d for month in months for d in month_docs_of.get(month, [])]
        return sources.sources(docs_of, {nip}).get(nip, sources.Sources())

    out = []
    for rule in active:
        for nip, month in sorted(touched.officers):
            unit = min(units.get(nip, set()) - {None}, default=None)
            if rule.kind == rules.OFFICER_LOW:
                span = rules.window(month, rule.p("window_months"))
                out.append(rules.officer_low(rule, nip, unit, month, totals(nip, span), origins(nip, span)))
            else:
                out.append(rules.officer_drop(rule, nip, unit, month, totals(nip, [month]),
                                              totals(nip, [previous(month)]), origins(nip, [month]),
                                              origins(nip, [previous(month)])))
    return out


def _officer_top_findings(touched: Touched, active: list[rules.Rule], months_cache: SkmMonths) -> list[Finding]:
    """Recognition of the officers touched: each ranked among the officers of the unit it
    served in (the unit documents of the window, every officer in them)."""
    out = []
    for rule in active:
        for nip, month in sorted(touched.officers):
            span = rules.window(month, rule.p("window_months"))
            months_cache.prefetch(span, fold.SKM_OFFICERS)
            docs = [d for m in span for d in months_cache.get(m, fold.SKM_OFFICERS)]
            served = {d["scope"] for d in docs if nip in (d.get("officers") or {})}
            if not served:
                continue
            unit = min(served)
            unit_docs = [d for d in docs if d["scope"] == unit]
            totals = results.officer_totals(unit_docs)
            origins = sources.sources(unit_docs, set(totals))
            ranking = {n: (index, t.respondents, origins.get(n, sources.Sources()).independent)
                       for n, t in totals.items() if (index := results.officer_index_exact(t)) is not None}
            out.append(rules.officer_top(rule, nip, unit, month, ranking))
    return out


def _employee_findings(touched: Touched, active: list[rules.Rule], peer: indicator_policy.Peer) -> list[Finding]:
    """Peer results are released per quarter only (:mod:`shared.domain.peer_release`), and
    rules about them read them so: ``berakhlak-below`` per quarter, the predikat of a period
    with the perilaku of a released quarter (of a month: its quarter; of a semester or a year:
    its latest released one)."""
    nips = sorted({n for n, _ in touched.employees})
    touched_months = {(n, p) for n, p in touched.employees if len(p) == 7}
    wanted: set[tuple[rules.Rule, str, str]] = set()
    for rule in active:
        if rule.kind in (rules.BERAKHLAK_BELOW, rules.BERAKHLAK_ABOVE):
            wanted |= {(rule, nip, quarter_of(m)) for nip, m in touched_months}
    predikat_rules = [r for r in active if r.kind == rules.PREDIKAT_BELOW_BAIK]
    appraisals: dict[tuple[str, str], dict] = {}
    if predikat_rules:
        for doc in store.collection().find({"kind": fold.APPRAISAL, "scope": {"$in": nips}}):
            appraisals[(doc["scope"], doc["period"])] = doc
        for (nip, period), _doc in appraisals.items():
            period_months = set(peer_release.peer_months(period))
            if (nip, period) in touched.employees or any((nip, m) in touched_months for m in period_months):
                wanted |= {(rule, nip, period) for rule in predikat_rules}
    if not wanted:
        return []
    months = sorted({m for _, _, p in wanted for m in peer_release.peer_months(p)})
    peer_docs: dict[tuple[str, str], list[dict]] = {}
    for doc in store.find_months({"kind": fold.PEER}, months, {"self": 0}, scopes=nips):
        peer_docs.setdefault((doc["scope"], doc["period"]), []).append(doc)

    def result_of(merged: results.PeerMerge) -> dict:
        return results.peer_result(merged, min_raters=peer.min_raters, below=peer.below, above=peer.above,
                                   failing=peer.failing)

    out = []
    for rule, nip, period in sorted(wanted, key=lambda w: (w[0].code, w[1], w[2])):
        docs = [d for m in peer_release.peer_months(period) for d in peer_docs.get((nip, m), [])]
        by_quarter = results.merge_peer_quarters(docs).get(nip, {})
        latest = by_quarter[max(by_quarter)] if by_quarter else results.PeerMerge()
        appraisal = appraisals.get((nip, period))
        if rule.kind in (rules.BERAKHLAK_BELOW, rules.BERAKHLAK_ABOVE):   # period: a quarter
            merged = by_quarter.get(period, results.PeerMerge())
            unit = merged.unit or (appraisal or {}).get("unit")
            check = rules.berakhlak_below if rule.kind == rules.BERAKHLAK_BELOW else rules.berakhlak_above
            out.append(check(rule, nip, unit, period, result_of(merged)))
        else:
            unit = latest.unit or (appraisal or {}).get("unit")
            _, result = results.perilaku_peer(period, {q: result_of(m) for q, m in by_quarter.items()})
            hasil = appraisal.get("hasil_kerja") if appraisal else None
            rated = appraisal.get("perilaku") if appraisal else None
            out.append(rules.predikat_below_baik(rule, nip, unit, period,
                                                 results.predikat_result(hasil, result, rated)))
    return out


def unit_of(finding: Finding) -> str | None:
    """The unit a case is routed in: the employee's unit in the directory, else the one seen."""
    if finding.subject_type == "unit":
        return finding.subject
    from shared.records.directory import Employee
    employee = Employee.head(finding.subject)
    return employee.unit if employee else finding.unit
