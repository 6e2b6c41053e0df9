"""Configuration data an admin edits: SKM weights, populations, peer thresholds (the
coaching rules are :mod:`.coaching.rule_config`).

Each is a revisioned record (:mod:`shared.revisions`): an edit inserts the next revision, so
concurrent edits by several API workers never lose each other. Absent records fall back to
the defaults below (equal weights, no population, 3 raters, the built-in rules).
"""
from __future__ import annotations

from dataclasses import dataclass

from mongoengine import DictField, FloatField, IntField, StringField

from shared.domain import berakhlak, skm
from shared.platform.revisions import Revisioned

GLOBAL = "*"  # the scope of a setting that applies to every unit


class SkmWeights(Revisioned):
    """Weights per unsur for a unit (``scope`` = unit code) or for everyone (``*``), as the
    admin wrote them (text such as ``"0.15"`` or ``"1/9"``; records from before are numbers,
    read as the decimals they print as), with the admin's reason for leaving equal weights."""

    KEY = "scope"
    meta = {"collection": "agg_skm_weights", "indexes": [{"fields": ["scope", "rev"], "unique": True}, "superseded"]}
    scope = StringField(required=True)
    weights = DictField(required=True)
    reason = StringField(max_length=1000)


@dataclass(frozen=True)
class Weights:
    """The weights a unit's SKM is computed with (None where equal: the regulation's)."""

    weights: dict[str, skm.Weight]
    reason: str | None = None
    scope: str = GLOBAL

    @property
    def weighting(self) -> dict:
        return skm.weighting(self.weights, self.reason)


class Population(Revisioned):
    """Service users in a period, for the Krejcie-Morgan sample target.

    ``ref`` = ``<unit>|<period>`` or ``<unit>~<service>|<period>``."""

    KEY = "ref"
    meta = {"collection": "agg_populations", "indexes": [{"fields": ["ref", "rev"], "unique": True}, "superseded"]}
    ref = StringField(required=True)
    scope = StringField(required=True)
    period = StringField(required=True)
    population = IntField(required=True, min_value=0)


class PeerPolicy(Revisioned):
    """Release threshold and perilaku thresholds of peer (360) results (one record, ``*``)."""

    KEY = "scope"
    meta = {"collection": "agg_peer_policy", "indexes": [{"fields": ["scope", "rev"], "unique": True}, "superseded"]}
    scope = StringField(required=True)
    min_raters = IntField(required=True, min_value=berakhlak.MIN_RATERS_FLOOR)
    below = FloatField(required=True)
    above = FloatField(required=True)
    failing_value = StringField(choices=berakhlak.FAILING_VALUE, default=berakhlak.CAP)


@dataclass(frozen=True)
class Peer:
    min_raters: int = berakhlak.MIN_RATERS_FLOOR
    below: float = 3.0   # mean on the rating scale (1..5 by default) below which a value is Di Bawah
    above: float = 4.2   # at or above: Di Atas
    failing: str = berakhlak.CAP   # a value Di Bawah makes the perilaku at most Sesuai ("below": Di Bawah)


def _weights(record: SkmWeights) -> Weights | None:
    weights = dict(record.weights)
    return None if skm.is_equal(weights) else Weights(weights, record.reason, record.scope)


def weights_for(unit: str | None) -> Weights | None:
    """The unit's weights, else the global ones, else None (equal weights)."""
    for scope in ([unit] if unit else []) + [GLOBAL]:
        record = SkmWeights.head(scope)
        if record is not None:
            return _weights(record)
    return None


def weights_by_unit(units: list[str]) -> dict[str, Weights | None]:
    """Weights of many units in two queries."""
    records = {r.scope: _weights(r) for r in SkmWeights.heads(scope__in=list(set(units)) + [GLOBAL])}
    fallback = records.get(GLOBAL)
    return {u: records[u] if u in records else fallback for u in units}


def population_ref(scope: str, period: str) -> str:
    return f"{scope}|{period}"


def population_for(scope: str, period: str) -> int | None:
    record = Population.head(population_ref(scope, period))
    return record.population if record else None


def populations(period: str) -> dict[str, int]:
    """scope -> population for one period."""
    return {r.scope: r.population for r in Population.heads(period=period)}


def peer() -> Peer:
    record = PeerPolicy.head(GLOBAL)
    if record is None:
        return Peer()
    return Peer(berakhlak.min_raters(record.min_raters), record.below, record.above,
                record.failing_value or berakhlak.CAP)


def check_weights(weights: dict) -> dict[str, skm.Weight]:
    return dict(skm.check_weights(weights))
