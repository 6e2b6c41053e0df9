"""The coaching rules an admin configured, over the built-in defaults.

Each rule is a revisioned record (:mod:`shared.platform.revisions`): an edit inserts the next
revision, so concurrent edits never lose each other; a rule never stored is its built-in
default (:data:`.rules.DEFAULT_RULES`).
"""
from __future__ import annotations

from mongoengine import BooleanField, DictField, StringField

from shared.contracts.formats import CODE
from shared.platform.revisions import Revisioned

from services.aggregator.coaching import rules as rule_logic


class CoachingRule(Revisioned):
    """One coaching rule: which check (``kind``), its parameters, severity, on or off."""

    meta = {"collection": "agg_coaching_rules", "indexes": [{"fields": ["code", "rev"], "unique": True}, "superseded"]}
    code = StringField(required=True, regex=CODE)
    kind = StringField(required=True, choices=rule_logic.KINDS)
    enabled = BooleanField(default=True)
    severity = StringField(required=True, choices=("info", "warning", "critical"))
    params = DictField()


def rules() -> list[rule_logic.Rule]:
    """Every rule: stored ones, and the built-in defaults not stored yet."""
    stored = {r.code: rule_logic.Rule(r.code, r.kind, r.severity, rule_logic.stored(r.kind, r.params or {}),
                                      r.enabled)
              for r in CoachingRule.heads()}
    out = dict(rule_logic.DEFAULT_RULES)
    out.update(stored)
    return [out[code] for code in sorted(out)]
