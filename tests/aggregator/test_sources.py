"""Where an officer's ratings came from: distinct clients, kiosk responses, bursts (pure)."""
import pytest

from services.aggregator.state import sources
from services.aggregator.state.sources import Sources

pytestmark = pytest.mark.unit


def officer_state(*responses):
    state = {}
    for at, client, channel in responses:
        sources.record(state, {"submitted_at": at, "client_hash": client, "channel": channel})
    return state


def test_clients_are_counted_once_and_kiosk_responses_apart():
    state = officer_state(("2026-11-23T03:10:00+00:00", "aa" * 16, "web"),
                          ("2026-11-23T03:50:00+00:00", "aa" * 16, "api"),
                          ("2026-11-24T01:00:00+07:00", "bb" * 16, "web"),
                          ("2026-11-23T03:00:00+00:00", "k1", "kiosk"))
    assert state["hours"] == {"2026-11-23T03": {"a" * 12: 2}, "2026-11-23T18": {"b" * 12: 1}}
    found = Sources().merge(state)
    assert (found.clients, found.kiosk, found.other_responses, found.independent) == (2, 1, 3, 3)
    assert Sources().merge(state).merge(state).to_dict() == {"clients": 2, "responses_other": 6, "kiosk": 2}


def test_a_response_without_a_known_client_counts_as_one_unknown_client():
    found = Sources().merge(officer_state(("2026-11-23T03:00:00+00:00", None, "web"),
                                          ("2026-11-23T04:00:00+00:00", None, "web")))
    assert found.clients == 1


def test_bursts_are_local_days_with_many_ratings_from_few_clients():
    late = [("2026-11-23T17:30:00+00:00", "cc" * 16, "web")] * 6     # 00:30 WIB on the 24th
    early = [("2026-11-24T02:00:00+00:00", "dd" * 16, "web")] * 5    # 09:00 WIB on the 24th
    burst = Sources().merge(officer_state(*late, *early))
    spread = Sources().merge(officer_state(*[("2026-11-24T02:00:00+00:00", f"{i:012x}" + "0" * 20, "web")
                                             for i in range(12)]))
    kiosk = Sources().merge(officer_state(*[("2026-11-24T02:00:00+00:00", "k", "kiosk")] * 30))
    found = sources.bursts({"A": burst, "B": spread, "C": kiosk}, "Asia/Jakarta")
    assert found == [sources.Burst("A", "2026-11-24", 11, 2, 55)]     # 6 of 11 = 54.5 %: half-up to 55
    assert [b.day for b in sources.bursts({"A": burst}, "UTC")] == []   # in UTC they fall on two days: 6 and 5
