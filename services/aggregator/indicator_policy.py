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
    """Weights per unsur for a unit (``scope`` = unit code) or for everyone (``*``)."""

    KEY = "scope"
    meta = {"collection": "agg_skm_weights", "indexes": [{"fields": ["scope", "rev"], "unique": True}, "superseded"]}
    scope = StringField(required=True)
    weights = DictField(required=True)


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


@dataclass(frozen=True)
class Peer:
    min_raters: int = berakhlak.MIN_RATERS_FLOOR
    below: float = 3.0   # mean on the rating scale (1..5 by default) below which a value is Di Bawah
    above: float = 4.2   # at or above: Di Atas


def weights_for(unit: str | None) -> dict[str, float] | None:
    """The unit's weights, else the global ones, else None (equal weights)."""
    for scope in ([unit] if unit else []) + [GLOBAL]:
        record = SkmWeights.head(scope)
        if record is not None:
            return dict(record.weights)
    return None


def weights_by_unit(units: list[str]) -> dict[str, dict | None]:
    """Weights of many units in two queries."""
    records = {r.scope: dict(r.weights) for r in SkmWeights.heads(scope__in=list(set(units)) + [GLOBAL])}
    fallback = records.get(GLOBAL)
    return {u: records.get(u, fallback) for u in units}


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
    return Peer(berakhlak.min_raters(record.min_raters), record.below, record.above)


def check_weights(weights: dict) -> dict[str, float]:
    return skm.check_weights(weights)
