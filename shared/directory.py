"""The organisation directory: units, services and employees.

Written only by the survey service (admin API and imports), as revisions (see
:mod:`shared.revisions`); the aggregator and notifier read it to route and to check who
belongs to whom.
"""
from __future__ import annotations

from mongoengine import StringField

from .contracts import CODE, NIP
from .revisions import Revisioned


class Unit(Revisioned):
    """A unit kerja / unit layanan."""

    meta = {"collection": "units", "indexes": [{"fields": ["code", "rev"], "unique": True}, "superseded"]}
    code = StringField(required=True, regex=CODE)
    name = StringField(required=True, max_length=200)
    name_en = StringField(max_length=200)
    parent = StringField(regex=CODE)
    head_nip = StringField(regex=NIP)


def unit_exists(code: str) -> bool:
    return Unit.head(code) is not None
