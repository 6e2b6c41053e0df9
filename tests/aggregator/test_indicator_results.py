"""Indicator results from state documents: folding, merging partitions and months, officers,
peer results and the predikat (pure; the integration tests check the same against the servers)."""
import pytest

from shared.domain import berakhlak as b

from services.aggregator.state import fold, results
from tests.support.aggregator import appraisal_event, nip, peer_event, skm_event

pytestmark = pytest.mark.unit

TOPIC = "t.responses.v1"


def folded(events, partition=0, start=0):
    docs = {}
    for offset, event in enumerate(events, start):
        for kind, scope, period in fold.targets(event):
            did = fold.doc_id(TOPIC, partition, kind, scope, period)
            doc = docs.setdefault(did, fold.new_doc(TOPIC, partition, kind, scope, period))
            fold.apply(doc, event, offset)
    return docs


def test_an_event_at_or_below_applied_is_skipped():
    event = skm_event("DISDUK", 4)
    doc = next(iter(folded([event]).values()))
    assert fold.apply(doc, event, 0) is False
    assert doc["unit"]["respondents"] == 1 and doc["events"] == 1


def test_units_merge_over_partitions_and_months():
    a = folded([skm_event("DISDUK", 4, period="2026-10")], partition=0)
    c = folded([skm_event("DISDUK", 2, period="2026-11")], partition=1)
    merged = results.merge_skm(list(a.values()) + list(c.values()))["DISDUK"]
    assert merged.unit.respondents == 2 and merged.unit.sums["U1"] == 6


def test_officer_count_means_and_trend():
    officer = nip(1)
    before = folded([skm_event("DISDUK", 4, officer=officer, period="2026-10")])
    now = folded([skm_event("DISDUK", {"U1": 4, "U6": 3, "U7": 2}, officer=officer),
                skm_event("DISDUK", {"U1": 2, "U6": 3, "U7": 4}, officer=officer),
                skm_event("DISDUK", 4, officer=nip(2))])
    current = results.officer_totals(now.values())
    previous = results.officer_totals(before.values())
    result = results.officer_result(officer, current[officer], previous[officer])
    assert result["responses"] == 2 and result["u6"] == 3.0 and result["u7"] == 3.0
    assert result["mean_all"] == 3.0          # mean of the NRR of U1 (3), U6 (3), U7 (3)
    assert result["index"] == 75.0
    assert result["trend"] == {"previous": 100.0, "delta": -25.0, "direction": "down"}


def test_officer_without_a_previous_period_has_no_trend():
    docs = folded([skm_event("DISDUK", 4, officer=nip(1))])
    result = results.officer_result(nip(1), results.officer_totals(docs.values())[nip(1)], None)
    assert result["trend"]["direction"] is None


def test_officer_served_in_two_units_is_merged():
    docs = list(folded([skm_event("A", 4, officer=nip(1))]).values()) + \
        list(folded([skm_event("B", 2, officer=nip(1))], partition=1).values())
    assert results.officer_totals(docs)[nip(1)].respondents == 2
    assert results.officer_units(docs)[nip(1)] == {"A", "B"}


def peer_result(events, min_raters=3):
    merged = results.merge_peer(folded(events).values()).get(nip(9), results.PeerMerge())
    return results.peer_result(merged, min_raters=min_raters, below=3.0, above=4.2)


def test_self_ratings_are_excluded_and_do_not_count_as_raters():
    events = [peer_event(nip(9), "a", 4), peer_event(nip(9), "b", 4), peer_event(nip(9), "self", 1, relation="self")]
    assert peer_result(events) == {"released": False, "raters": 2, "min_raters": 3}
    released = peer_result(events + [peer_event(nip(9), "c", 4)])
    assert released["released"] and released["raters"] == 3 and released["values"]["BO"]["mean"] == 4.0


def test_raters_are_distinct_across_months():
    events = [peer_event(nip(9), "a", 4, period="2026-10"), peer_event(nip(9), "a", 4, period="2026-11"),
              peer_event(nip(9), "b", 4, period="2026-11")]
    merged = results.merge_peer(folded(events).values())[nip(9)]
    assert len(merged.raters) == 2


def test_the_three_rater_threshold_cannot_be_configured_lower():
    events = [peer_event(nip(9), "a", 4), peer_event(nip(9), "b", 4)]
    assert peer_result(events, min_raters=1)["released"] is False
    assert peer_result(events + [peer_event(nip(9), "c", 4)], min_raters=4)["released"] is False


def test_values_below_expectations_are_listed():
    events = [peer_event(nip(9), r, {**dict.fromkeys(b.VALUE_CODES, 4), "AK": 2}) for r in "abc"]
    assert results.values_below(peer_result(events)) == ["AK"]


@pytest.mark.parametrize("hasil,mean,expected", [
    (b.DI_ATAS, 4.5, b.SANGAT_BAIK), (b.SESUAI, 2.0, b.KURANG), (b.DI_BAWAH, 3.5, b.BUTUH_PERBAIKAN)])
def test_predikat_from_hasil_kerja_and_released_perilaku(hasil, mean, expected):
    peer = {"released": True, "perilaku": b.perilaku_rating(mean, 3.0, 4.2)}
    result = results.predikat_result(hasil, peer)
    assert result["predikat"] == expected and result["label"] == b.PREDIKAT_LABELS[expected][0]


def test_no_predikat_without_both_parts():
    assert results.predikat_result(None, {"released": True, "perilaku": b.SESUAI})["predikat"] is None
    assert results.predikat_result(b.SESUAI, {"released": False, "raters": 2})["predikat"] is None


def test_latest_appraisal_per_nip_and_period_wins():
    docs = folded([appraisal_event(nip(1), "2026", b.SESUAI), appraisal_event(nip(1), "2026", b.DI_BAWAH)])
    (doc,) = docs.values()
    assert doc["hasil_kerja"] == b.DI_BAWAH and doc["period"] == "2026"


def test_unit_result_uses_weights_and_population():
    docs = folded([skm_event("DISDUK", {**dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8"), 4),
                                        "U9": 1})])
    totals = results.merge_skm(docs.values())["DISDUK"].unit
    weights = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8"), 0.1) | {"U9": 0.2}
    from services.aggregator.indicator_policy import Weights
    result = results.unit_result("DISDUK", "2026-11", totals, Weights(weights, "renovasi"), 100)
    assert result["skm"] == 3.4 and result["ikm"] == 85.0 and result["weights"] == "custom"
    assert result["weighting"] == {"kind": "custom", "reason": "renovasi",
                                   "weights": {k: str(v) for k, v in weights.items()}}
    assert result["sample"] == {"population": 100, "target": 80, "adequate": False}
