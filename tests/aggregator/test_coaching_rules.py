"""Coaching rules as data, evaluated on indicator values, and the case decisions."""
import pytest
from marshmallow import ValidationError

from shared.domain import berakhlak as b
from shared.domain import skm

from services.aggregator.coaching import rules
from services.aggregator.coaching.rules import Recorded, Rule
from services.aggregator.state.sources import Sources

pytestmark = pytest.mark.unit

NIP = "199001012015011001"


def totals(respondents, u6, u7, others=3):
    t = skm.Totals()
    for _ in range(respondents):
        t.add({**dict.fromkeys(skm.UNSUR_CODES, others), "U6": u6, "U7": u7})
    return t


def clients(n, kiosk=0):
    """Sources: ``n`` distinct clients (one response each) and ``kiosk`` kiosk responses."""
    return Sources(kiosk=kiosk, hours={"2026-11-23T03": {f"client{i:04}": 1 for i in range(n)}})


MANY = clients(20)


def rule(code):
    return rules.DEFAULT_RULES[code]


def test_default_rules_cover_the_five_checks_and_have_valid_params():
    assert {r.kind for r in rules.DEFAULT_RULES.values()} == set(rules.KINDS)
    for r in rules.DEFAULT_RULES.values():
        rules.check_params(r.kind, r.params)


def test_params_are_checked_against_the_kind():
    with pytest.raises(ValidationError):
        rules.check_params(rules.OFFICER_LOW, {"threshold": 200})
    with pytest.raises(ValidationError):
        rules.check_params(rules.UNIT_IKM_LOW, {"grades": ["E"]})
    assert rules.check_params(rules.OFFICER_DROP, {})["points"] == 10.0


@pytest.mark.parametrize("code,problem", [(b.BUTUH_PERBAIKAN, True), (b.KURANG, True), (b.SANGAT_KURANG, True),
                                          (b.BAIK, False), (b.SANGAT_BAIK, False), (None, None)])
def test_predikat_below_baik(code, problem):
    f = rules.predikat_below_baik(rule("predikat-below-baik"), NIP, "DISDUK", "2026", {"predikat": code})
    assert f.problem is problem
    assert f.subject_type == "employee" and f.subject == NIP and f.period == "2026"


def released(means):
    values = {c: {"mean": m, "n": 3, "rating": b.perilaku_rating(m, 3.0, 4.2)} for c, m in means.items()}
    return {"released": True, "raters": 3, "min_raters": 3, "values": values}


def test_berakhlak_below_needs_a_released_result_and_names_the_values():
    r = rule("berakhlak-below")
    withheld = rules.berakhlak_below(r, NIP, "X", "2026-Q4", {"released": False, "raters": 2, "min_raters": 3})
    assert withheld.problem is None
    low = rules.berakhlak_below(r, NIP, "X", "2026-Q4", released({"BO": 2.5, "AK": 4.0}))
    assert low.problem is True and low.evidence["values"]["below"] == ["BO"]
    assert "BO" in low.summary["id"] and "BO" in low.summary["en"]
    assert rules.berakhlak_below(r, NIP, "X", "2026-Q4", released({"BO": 3.0})).problem is False


def test_officer_low_over_a_rolling_window_with_a_minimum_of_responses():
    r = Rule("o", rules.OFFICER_LOW, "warning", {"threshold": 70, "min_responses": 5, "window_months": 3})
    assert rules.officer_low(r, NIP, "X", "2026-11", totals(4, 1, 1), MANY).problem is None      # too few
    low = rules.officer_low(r, NIP, "X", "2026-11", totals(5, 2, 3), MANY)                       # (2+3)/2*25 = 62.5
    assert low.problem is True and low.evidence["values"]["index"] == 62.5
    assert low.evidence["values"]["window"] == ["2026-09", "2026-11"]
    assert low.evidence["thresholds"]["threshold"] == 70 and low.evidence["rule"] == "o"
    assert rules.officer_low(r, NIP, "X", "2026-11", totals(5, 3, 3), MANY).problem is False     # 75


def test_officer_rules_need_responses_from_several_clients_a_kiosk_response_counting_as_one():
    r = Rule("o", rules.OFFICER_LOW, "warning", {"threshold": 70, "min_responses": 5, "min_clients": 5})
    low = totals(12, 1, 1)
    assert rules.officer_low(r, NIP, "X", "2026-11", low, clients(4)).problem is None     # 12 responses, 4 clients
    one_client = Sources(hours={"2026-11-23T03": {"a": 12}})
    assert rules.officer_low(r, NIP, "X", "2026-11", low, one_client).problem is None
    found = rules.officer_low(r, NIP, "X", "2026-11", low, clients(2, kiosk=3))          # the counter's kiosk
    assert found.problem is True and found.evidence["values"]["clients"] == 2 and found.evidence["values"]["kiosk"] == 3
    d = Rule("d", rules.OFFICER_DROP, "info", {"points": 10, "min_responses": 2, "min_clients": 3})
    assert rules.officer_drop(d, NIP, "X", "2026-11", totals(3, 1, 1), totals(3, 4, 4), clients(3),
                              clients(2)).problem is None                                   # last month: 2 clients
    assert rules.officer_drop(d, NIP, "X", "2026-11", totals(3, 1, 1), totals(3, 4, 4), clients(3),
                              clients(3)).problem is True


def test_officer_drop_against_the_previous_month():
    r = Rule("d", rules.OFFICER_DROP, "info", {"points": 10, "min_responses": 2})

    def drop(now, before, month="2026-11"):
        return rules.officer_drop(r, NIP, "X", month, now, before, MANY, MANY)

    assert drop(totals(2, 3, 3), totals(2, 4, 4)).problem is True  # 75 vs 100
    assert drop(totals(2, 4, 3), totals(2, 4, 4)).problem is True   # 12.5 points
    assert drop(totals(2, 4, 4), totals(2, 3, 4)).problem is False  # it rose
    assert drop(totals(2, 3, 3), totals(2, 3, 4)).problem is True   # 12.5 >= 10
    assert drop(totals(2, 3, 3), totals(1, 4, 4)).problem is None
    f = drop(totals(2, 3, 3), totals(2, 4, 4), "2026-01")
    assert f.evidence["values"]["previous_period"] == "2025-12" and f.evidence["values"]["drop"] == 25.0


@pytest.mark.parametrize("answer,problem", [(4, False), (3, True), (2, True)])
def test_unit_ikm_falling_to_c_or_d(answer, problem):
    r = Rule("u", rules.UNIT_IKM_LOW, "warning", {"min_respondents": 2})
    result = skm.evaluate(totals(2, answer, answer, others=answer))
    f = rules.unit_ikm_low(r, "DISDUK", "2026-11", result)
    assert f.problem is problem and f.subject_type == "unit" and f.subject == "DISDUK"
    assert rules.unit_ikm_low(r, "DISDUK", "2026-11", skm.evaluate(totals(1, 1, 1, 1))).problem is None


def test_summaries_carry_no_names_only_values():
    f = rules.officer_low(rule("officer-low"), NIP, "X", "2026-11", totals(10, 1, 1), MANY)
    assert set(f.summary) == {"id", "en"} and NIP not in f.summary["id"] + f.summary["en"]


# -- decisions ---------------------------------------------------------------------------------

def finding(problem):
    return rules.Finding(rule("officer-low"), "employee", NIP, "X", "2026-11", problem, {}, {"id": "", "en": ""})


def cid(gen):
    return rules.case_id("officer-low", NIP, "2026-11", gen)


def test_a_problem_opens_generation_one():
    assert [(a.what, a.case_id) for a in rules.decide(finding(True), [])] == [("open", cid(1))]


def test_an_open_case_is_not_opened_again():
    open_case = Recorded(cid(1), 1, opened_published=True)
    assert rules.decide(finding(True), [open_case]) == []


def test_recovery_closes_the_open_case():
    open_case = Recorded(cid(1), 1, opened_published=True)
    assert [(a.what, a.case_id) for a in rules.decide(finding(False), [open_case])] == [("close", cid(1))]


def test_undecidable_keeps_the_case_as_it_is():
    assert rules.decide(finding(None), [Recorded(cid(1), 1, opened_published=True)]) == []
    assert rules.decide(finding(None), []) == []


def test_the_problem_coming_back_after_closing_opens_the_next_generation():
    closed = Recorded(cid(1), 1, closed=True, opened_published=True, closed_published=True)
    assert [(a.what, a.generation) for a in rules.decide(finding(True), [closed])] == [("open", 2)]
    assert rules.decide(finding(False), [closed]) == []


def test_an_event_whose_publication_was_not_recorded_is_published_again():
    assert [a.what for a in rules.decide(finding(True), [Recorded(cid(1), 1)])] == ["publish_opened"]
    unsent_close = Recorded(cid(1), 1, closed=True, opened_published=True)
    assert [a.what for a in rules.decide(finding(False), [unsent_close])] == ["publish_closed"]


def test_case_ids_are_stable_per_rule_subject_period_generation():
    assert rules.case_id("r", NIP, "2026-11", 2) == f"r|{NIP}|2026-11|2"
    assert rules.window("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert rules.period_of("2026-11", "quarter") == "2026-Q4" and rules.period_of("2026-11", "year") == "2026"
