"""The fold writes no field name a database cannot store, whatever an event's contract says (pure)."""
from __future__ import annotations

import json

import pytest

from shared.contracts.events import InvalidEvent, from_json

from services.aggregator.state import fold
from tests.support.aggregator import skm_event

pytestmark = pytest.mark.unit


def test_the_fold_refuses_field_names_a_database_cannot_store_whatever_the_contract_says():
    event = skm_event("DISDUK", 3)
    assert fold.targets(event)[0] == ("skm", "DISDUK", "2026-11")
    forged = from_json(json.loads(event.encode()))
    object.__setattr__(forged, "payload", forged.payload | {"profile": {"sex": "a.b"}})
    with pytest.raises(InvalidEvent):
        fold.targets(forged)
