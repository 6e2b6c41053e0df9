"""LookupCache on its own: freshness by the injected clock, invalidation by local writes, bounds."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.platform import revisions
from shared.platform.clock import ManualClock

from services.survey.submissions.lookup_cache import LookupCache

pytestmark = pytest.mark.unit


def _loader(values: list):
    calls = []

    def load():
        calls.append(1)
        return values[len(calls) - 1]
    return load, calls


def test_a_value_is_reused_until_the_interval_ends():
    clock = ManualClock(datetime(2026, 11, 23, tzinfo=UTC))
    cache = LookupCache(5, clock)
    load, calls = _loader(["v1", "v2"])
    assert cache.get("unit", "A", load) == "v1"
    clock.advance(seconds=4.9)
    assert cache.get("unit", "A", load) == "v1" and len(calls) == 1
    clock.advance(seconds=0.1)
    assert cache.get("unit", "A", load) == "v2" and len(calls) == 2


def test_a_revision_written_in_this_process_makes_every_entry_stale():
    clock = ManualClock(datetime(2026, 11, 23, tzinfo=UTC))
    cache = LookupCache(60, clock)
    load, calls = _loader(["old", "new"])
    cache.get("officer", "1", load)
    revisions._changed()
    assert cache.get("officer", "1", load) == "new" and len(calls) == 2


def test_zero_seconds_means_no_cache_and_none_is_kept_like_any_value():
    clock = ManualClock(datetime(2026, 11, 23, tzinfo=UTC))
    off = LookupCache(0, clock)
    load, calls = _loader([None, None])
    off.get("unit", "X", load)
    off.get("unit", "X", load)
    assert len(calls) == 2
    on = LookupCache(5, clock)
    load, calls = _loader([None, "found"])
    assert on.get("unit", "X", load) is None and on.get("unit", "X", load) is None and len(calls) == 1


def test_the_least_recently_used_entries_go_first_when_full():
    clock = ManualClock(datetime(2026, 11, 23, tzinfo=UTC))
    cache = LookupCache(60, clock, max_entries=2)
    cache.get("u", "a", lambda: 1)
    cache.get("u", "b", lambda: 2)
    cache.get("u", "a", lambda: 99)      # a is used again: b is now the oldest
    cache.get("u", "c", lambda: 3)
    assert cache.get("u", "a", lambda: 99) == 1
    assert cache.get("u", "b", lambda: 22) == 22
