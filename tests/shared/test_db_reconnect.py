"""Connecting to another database leaves no document class on the old client: mongoengine
resets only the classes in its registry, which is keyed by class name (two classes once shared
the name ``Case``; names are unique now, and the reconnect forgets every class anyway)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from shared.platform import db

from services.aggregator.coaching.cases import CaseOpening as AggregatorCase
from services.notifier.models import FollowUpCase as NotifierCase

pytestmark = pytest.mark.integration


def test_every_document_class_follows_a_reconnect(base_settings):
    first = replace(base_settings, mongodb_db=base_settings.mongodb_db + "_rc1")
    second = replace(base_settings, mongodb_db=base_settings.mongodb_db + "_rc2")
    try:
        db.connect(first)
        assert AggregatorCase._get_collection().database.name == first.mongodb_db
        assert NotifierCase._get_collection().database.name == first.mongodb_db
        db.connect(second)
        for cls in (AggregatorCase, NotifierCase):
            coll = cls._get_collection()
            assert coll.database.name == second.mongodb_db
            assert coll.count_documents({}) == 0      # usable: its client is open
    finally:
        db.connect(second).client.drop_database(first.mongodb_db)
        db.database().client.drop_database(second.mongodb_db)
