"""Coaching rules and case decisions: pure functions, no I/O.

A rule is data (``Rule``: a kind of check, its parameters, a severity), stored as revisions
and edited by an admin (:mod:`.policy`). Evaluating a rule on indicator values gives a
:class:`Finding`: a problem (True), no problem (False) or not decidable yet (None, e.g. too
few responses). :func:`decide` compares a finding with the cases already recorded for the
same (rule, subject, period) and says what to do: open the next generation, close the open
one, re-publish an event whose publication was not recorded, or nothing.
"""
from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import marshmallow
from marshmallow import Schema, ValidationError, fields, validate, validates

from shared.domain import berakhlak, peer_release, periods, skm
from shared.domain.periods import of_kind, previous

from services.aggregator.state.sources import Sources

PREDIKAT_BELOW_BAIK = "predikat_below_baik"
BERAKHLAK_BELOW = "berakhlak_below"
OFFICER_LOW = "officer_low"
OFFICER_DROP = "officer_drop"
UNIT_IKM_LOW = "unit_ikm_low"
COMPLAINTS_SLA = "complaints_sla"
OFFICER_TOP = "officer_top"          # recognition (apresiasi): outstanding work, not a problem
BERAKHLAK_ABOVE = "berakhlak_above"
RECOGNITION_KINDS = (OFFICER_TOP, BERAKHLAK_ABOVE)
KINDS = (PREDIKAT_BELOW_BAIK, BERAKHLAK_BELOW, OFFICER_LOW, OFFICER_DROP, UNIT_IKM_LOW, COMPLAINTS_SLA,
         *RECOGNITION_KINDS)
PERIOD_KINDS = periods.KINDS


class _BerakhlakParams(Schema):
    period = fields.String(validate=validate.OneOf(PERIOD_KINDS), load_default=peer_release.RELEASE_KIND,
                           metadata={"description": "berakhlak_below: quarter only (peer results are released "
                                                    "per quarter); unit_ikm_low: any"})

    @validates("period")
    def _quarter_only(self, value: str, **kwargs: Any) -> None:
        # Peer results are released per quarter only (shared.domain.peer_release): so is this rule.
        # (A validator of the schema, not of the field: the field is shared with unit_ikm_low in AnyParams.)
        if value != peer_release.RELEASE_KIND:
            raise ValidationError("hasil umpan balik rekan hanya dirilis per triwulan / "
                                  "peer results are released per quarter only")


class _OfficerLowParams(Schema):
    threshold = fields.Float(validate=validate.Range(25, 100), load_default=76.61)
    min_responses = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=10)
    min_clients = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=5,
                                 metadata={"description": "distinct clients (a kiosk response counts as one) the "
                                                          "responses must come from"})
    window_months = fields.Integer(strict=True, validate=validate.Range(1, 12), load_default=3)


class _OfficerDropParams(Schema):
    points = fields.Float(validate=validate.Range(0.01, 75), load_default=10.0)
    min_responses = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=10)
    min_clients = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=5,
                                 metadata={"description": "distinct clients (a kiosk response counts as one) each "
                                                          "month's responses must come from"})


class _UnitIkmParams(Schema):
    grades = fields.List(fields.String(validate=validate.OneOf(["A", "B", "C", "D"])), load_default=lambda: ["C", "D"],
                         validate=validate.Length(min=1))
    min_respondents = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=30)
    period = fields.String(validate=validate.OneOf(PERIOD_KINDS), load_default="month")


class _ComplaintsSlaParams(Schema):
    min_percent = fields.Float(validate=validate.Range(0, 100), load_default=80.0,
                               metadata={"description": "complaints_sla: the share of tickets answered in time "
                                                        "below which the unit gets a case"})
    min_tickets = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=5,
                                 metadata={"description": "complaints_sla: tickets answered or overdue needed "
                                                          "before it decides"})


class _OfficerTopParams(Schema):
    top_percent = fields.Float(validate=validate.Range(1, 50), load_default=10.0,
                               metadata={"description": "officer_top: the share of the unit's officers (ranked by "
                                                        "their index over the window) recognised"})
    min_responses = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=30)
    min_clients = fields.Integer(strict=True, validate=validate.Range(1, 100000), load_default=10)
    min_officers = fields.Integer(strict=True, validate=validate.Range(1, 1000), load_default=3,
                                  metadata={"description": "officer_top: officers of the unit with enough responses "
                                                           "needed before anyone is ranked"})
    window_months = fields.Integer(strict=True, validate=validate.Range(1, 12), load_default=3)


PARAMS = {PREDIKAT_BELOW_BAIK: Schema.from_dict({})(), BERAKHLAK_BELOW: _BerakhlakParams(),
          BERAKHLAK_ABOVE: _BerakhlakParams(), OFFICER_TOP: _OfficerTopParams(),
          OFFICER_LOW: _OfficerLowParams(), OFFICER_DROP: _OfficerDropParams(), UNIT_IKM_LOW: _UnitIkmParams(),
          COMPLAINTS_SLA: _ComplaintsSlaParams()}


def _any_params() -> type[Schema]:
    """Every parameter some kind takes, with its own check and no default: what a rule's
    ``params`` may hold before its kind says which apply (the API documents it so)."""
    merged: dict[str, fields.Field[Any]] = {}
    for schema in PARAMS.values():
        for name, declared in schema.declared_fields.items():
            if name not in merged:
                copied = copy.deepcopy(declared)
                copied.load_default = marshmallow.missing
                copied.dump_default = marshmallow.missing
                merged[name] = copied
    return Schema.from_dict(merged, name="RuleParams")


AnyParams = _any_params()


def check_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters of a rule of ``kind`` with defaults filled in; ValidationError if invalid."""
    if kind not in PARAMS:
        raise ValidationError({"kind": [f"one of {', '.join(KINDS)}"]})
    checked: dict[str, Any] = PARAMS[kind].load(dict(params or {}))
    return checked


@dataclass(frozen=True, eq=False)  # hashed by identity: rules are keys of per-batch work sets
class Rule:
    code: str
    kind: str
    severity: str
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def p(self, name: str) -> Any:
        return self.checked_params[name]

    @functools.cached_property
    def checked_params(self) -> dict[str, Any]:
        """Parameters with defaults, checked once (rules do not change after they are made)."""
        return check_params(self.kind, self.params)


DEFAULT_RULES = {r.code: r for r in (
    Rule("predikat-below-baik", PREDIKAT_BELOW_BAIK, "critical"),
    Rule("berakhlak-below", BERAKHLAK_BELOW, "warning", {"period": "quarter"}),
    Rule("officer-low", OFFICER_LOW, "warning", {"threshold": 76.61, "min_responses": 10, "min_clients": 5,
                                                 "window_months": 3}),
    Rule("officer-drop", OFFICER_DROP, "info", {"points": 10.0, "min_responses": 10, "min_clients": 5}),
    Rule("unit-ikm-low", UNIT_IKM_LOW, "warning", {"grades": ["C", "D"], "min_respondents": 30, "period": "month"}),
    Rule("complaints-sla", COMPLAINTS_SLA, "warning", {"min_percent": 80.0, "min_tickets": 5}),
    Rule("officer-top", OFFICER_TOP, "info", {"top_percent": 10.0, "min_responses": 30, "min_clients": 10,
                                              "min_officers": 3, "window_months": 3}),
    Rule("berakhlak-above", BERAKHLAK_ABOVE, "info", {"period": "quarter"}),
)}


def stored(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A stored rule's parameters as they apply now: a ``berakhlak_below`` rule saved with a
    month, semester or year period (before peer results were released per quarter only) is
    evaluated per quarter."""
    out = dict(params)
    if kind == BERAKHLAK_BELOW and out.get("period") not in (None, peer_release.RELEASE_KIND):
        out["period"] = peer_release.RELEASE_KIND
    return out


def period_of(month: str, kind: str) -> str:
    """The month, quarter or year a month belongs to."""
    return of_kind(month, kind)


def window(month: str, months: int) -> list[str]:
    """``months`` months ending with ``month``, oldest first."""
    out = [month]
    while len(out) < months:
        out.insert(0, previous(out[0]))
    return out


@dataclass(frozen=True)
class Finding:
    rule: Rule
    subject_type: str          # "employee" (NIP) or "unit" (unit code)
    subject: str
    unit: str | None
    period: str
    problem: bool | None       # None: not decidable (too little data); the recorded state stays
    evidence: dict[str, Any]
    summary: dict[str, str]    # {"id": ..., "en": ...}: no names

    @property
    def slot(self) -> str:
        return slot(self.rule.code, self.subject, self.period)


def slot(rule: str, subject: str, period: str) -> str:
    return f"{rule}|{subject}|{period}"


def case_id(rule: str, subject: str, period: str, generation: int) -> str:
    return f"{slot(rule, subject, period)}|{generation}"


def _evidence(rule: Rule, period: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"rule": rule.code, "kind": rule.kind, "period": period,
            "thresholds": dict(rule.checked_params), "values": values}


# -- the checks -------------------------------------------------------------------------------

def predikat_below_baik(rule: Rule, nip: str, unit: str | None, period: str, predikat: Mapping[str, Any]) -> Finding:
    code = predikat.get("predikat")
    problem = None if code is None else code in berakhlak.BELOW_BAIK
    label_id, label_en = berakhlak.PREDIKAT_LABELS.get(code, ("-", "-")) if code is not None else ("-", "-")
    values = {k: predikat.get(k) for k in ("hasil_kerja", "perilaku", "predikat")}
    return Finding(rule, "employee", nip, unit, period, problem, _evidence(rule, period, values),
                   {"id": f"Predikat kinerja {label_id}, di bawah Baik, periode {period}",
                    "en": f"Performance rating {label_en}, below Good, period {period}"})


def berakhlak_below(rule: Rule, nip: str, unit: str | None, period: str, peer: Mapping[str, Any]) -> Finding:
    if not peer.get("released"):
        problem, below = None, []
    else:
        below = [c for c, v in peer["values"].items() if v["rating"] == berakhlak.DI_BAWAH]
        problem = bool(below)
    values = {"raters": peer.get("raters"), "min_raters": peer.get("min_raters"), "below": below,
              "means": {c: v["mean"] for c, v in (peer.get("values") or {}).items()}}
    names = ", ".join(below) or "-"
    return Finding(rule, "employee", nip, unit, period, problem, _evidence(rule, period, values),
                   {"id": f"Perilaku Di Bawah Ekspektasi pada nilai {names} ({peer.get('raters')} penilai), "
                          f"periode {period}",
                    "en": f"Behaviour below expectations on {names} ({peer.get('raters')} raters), period {period}"})


def _sources_values(found: Sources) -> dict[str, int]:
    return {"clients": found.clients, "kiosk": found.kiosk}


def officer_low(rule: Rule, nip: str, unit: str | None, month: str, totals: skm.Totals,
                found: Sources) -> Finding:
    """Officer satisfaction under the threshold over a rolling window; not decidable with
    fewer than ``min_responses`` responses or fewer than ``min_clients`` sources (distinct
    clients, each kiosk response counting as one: :mod:`..state.sources`)."""
    from services.aggregator.state.results import officer_index

    threshold, minimum, months = rule.p("threshold"), rule.p("min_responses"), rule.p("window_months")
    index = officer_index(totals)
    enough = totals.respondents >= minimum and found.independent >= rule.p("min_clients")
    problem = None if not enough or index is None else index < threshold
    span = window(month, months)
    values = {"index": index, "responses": totals.respondents, **_sources_values(found), "window": [span[0], span[-1]]}
    return Finding(rule, "employee", nip, unit, month, problem, _evidence(rule, month, values),
                   {"id": f"Kepuasan terhadap petugas {index} di bawah {threshold} ({totals.respondents} responden, "
                          f"{span[0]} s.d. {span[-1]})",
                    "en": f"Officer satisfaction {index} below {threshold} ({totals.respondents} responses, "
                          f"{span[0]} to {span[-1]})"})


def officer_drop(rule: Rule, nip: str, unit: str | None, month: str, current: skm.Totals,
                 before: skm.Totals, found: Sources, found_before: Sources) -> Finding:
    from services.aggregator.state.results import officer_index

    points, minimum, clients = rule.p("points"), rule.p("min_responses"), rule.p("min_clients")
    now, then = officer_index(current), officer_index(before)
    enough = (current.respondents >= minimum and before.respondents >= minimum and now is not None
              and then is not None and found.independent >= clients and found_before.independent >= clients)
    drop = float(Decimal(repr(then)) - Decimal(repr(now))) if enough and then is not None and now is not None else None
    problem = drop >= points if enough and drop is not None else None
    values = {"index": now, "previous": then, "previous_period": previous(month), "drop": drop,
              "responses": current.respondents, "previous_responses": before.respondents,
              **_sources_values(found)}
    return Finding(rule, "employee", nip, unit, month, problem, _evidence(rule, month, values),
                   {"id": f"Kepuasan terhadap petugas turun {drop} poin dibanding {previous(month)}",
                    "en": f"Officer satisfaction dropped {drop} points against {previous(month)}"})


def unit_ikm_low(rule: Rule, unit: str, period: str, result: Mapping[str, Any]) -> Finding:
    grades, minimum = rule.p("grades"), rule.p("min_respondents")
    grade = (result.get("grade") or {}).get("mutu")
    problem = None if result.get("respondents", 0) < minimum or grade is None else grade in grades
    values = {"ikm": result.get("ikm"), "mutu": grade, "respondents": result.get("respondents"),
              "lowest_unsur": result.get("lowest_unsur")}
    return Finding(rule, "unit", unit, unit, period, problem, _evidence(rule, period, values),
                   {"id": f"IKM unit {result.get('ikm')} (mutu {grade}) periode {period}",
                    "en": f"Unit IKM {result.get('ikm')} (grade {grade}) period {period}"})


def officer_top(rule: Rule, nip: str, unit: str | None, month: str, ranking: Mapping[str, tuple[Any, int, int]]
                ) -> Finding:
    """Recognition: ``nip``'s officer index over the window is in the top ``top_percent`` of its
    unit's officers with at least ``min_responses`` each from at least ``min_clients`` sources
    (``ranking``: NIP -> (exact index, responses, independent sources)); ranked on the exact
    index, ties at the cut are all in. The evidence names no other officer's value."""
    import math

    eligible = {n: v for n, v in ranking.items() if v[1] >= rule.p("min_responses") and v[2] >= rule.p("min_clients")}
    mine = eligible.get(nip)
    if mine is None or len(eligible) < rule.p("min_officers"):
        problem, cut, rank = None, None, None
    else:
        ordered = sorted((v[0] for v in eligible.values()), reverse=True)
        places = max(1, math.ceil(len(ordered) * Decimal(repr(rule.p("top_percent"))) / 100))
        cut = ordered[places - 1]
        rank = 1 + sum(1 for v in ordered if v > mine[0])
        problem = mine[0] >= cut
    shown = float(skm.half_up(mine[0], 2)) if mine else None
    values = {"index": shown, "responses": (ranking.get(nip) or (None, 0, 0))[1], "rank": rank,
              "officers": len(eligible)}
    return Finding(rule, "employee", nip, unit, month, problem, _evidence(rule, month, values),
                   {"id": f"Kepuasan terhadap petugas {values['index']}: peringkat {rank} dari {len(eligible)} di unit",
                    "en": f"Officer satisfaction {values['index']}: rank {rank} of {len(eligible)} in the unit"})


def berakhlak_above(rule: Rule, nip: str, unit: str | None, period: str, peer: Mapping[str, Any]) -> Finding:
    """Recognition: every value of a released peer result is Di Atas Ekspektasi."""
    values_of = peer.get("values") or {}
    problem = None if not peer.get("released") or not values_of else all(
        v["rating"] == berakhlak.DI_ATAS for v in values_of.values())
    values = {"raters": peer.get("raters"), "means": {c: v["mean"] for c, v in values_of.items()}}
    return Finding(rule, "employee", nip, unit, period, problem, _evidence(rule, period, values),
                   {"id": f"Semua nilai BerAKHLAK Di Atas Ekspektasi, periode {period}",
                    "en": f"Every BerAKHLAK value above expectations, period {period}"})


def complaints_sla(rule: Rule, unit: str, month: str, answered_in_time: Any) -> Finding:
    """The unit answered too few of a month's complaint tickets within the deadline
    (``answered_in_time``: a :class:`shared.domain.complaints.Share`)."""
    share = answered_in_time
    minimum, floor = rule.p("min_tickets"), Decimal(repr(rule.p("min_percent")))
    problem = None if share.of < minimum else Decimal(share.done * 100) < floor * share.of
    values = {"answered_in_time": share.done, "answered_or_overdue": share.of, "percent": share.percent}
    return Finding(rule, "unit", unit, unit, month, problem, _evidence(rule, month, values),
                   {"id": f"Pengaduan dijawab tepat waktu {share.percent} % ({share.done}/{share.of}) periode {month}",
                    "en": f"Complaints answered in time {share.percent} % ({share.done}/{share.of}) period {month}"})


# -- decisions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    """A case already recorded for a slot, with what is known of its events."""

    case_id: str
    generation: int
    closed: bool = False
    opened_published: bool = False
    closed_published: bool = False


@dataclass(frozen=True)
class Action:
    what: str                  # "open", "close", "publish_opened", "publish_closed"
    case_id: str
    generation: int


def decide(finding: Finding, recorded: list[Recorded]) -> list[Action]:
    """What to do for one slot. At most one case of a slot is open: a new generation is
    opened only after the previous one closed."""
    latest = max(recorded, key=lambda r: r.generation, default=None)
    actions: list[Action] = []
    if latest is not None:
        # Events whose publication was never recorded (a crash between insert and send).
        if not latest.opened_published:
            actions.append(Action("publish_opened", latest.case_id, latest.generation))
        if latest.closed and not latest.closed_published:
            actions.append(Action("publish_closed", latest.case_id, latest.generation))
    is_open = latest is not None and not latest.closed
    if finding.rule.kind in RECOGNITION_KINDS:
        # an appreciation is given once per subject and period, and never taken back
        if finding.problem is True and latest is None:
            actions.append(Action("open", case_id(finding.rule.code, finding.subject, finding.period, 1), 1))
        return actions
    if finding.problem is True and not is_open:
        generation = latest.generation + 1 if latest else 1
        actions.append(Action("open", case_id(finding.rule.code, finding.subject, finding.period, generation),
                              generation))
    elif finding.problem is False and is_open and latest is not None:
        actions.append(Action("close", latest.case_id, latest.generation))
    return actions
