"""BerAKHLAK peer results and the predikat kinerja matrix (PermenPAN-RB 6/2022)."""
import pytest

from shared.domain import berakhlak as b

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("hasil,perilaku,expected", [
    (b.DI_ATAS, b.DI_BAWAH, b.KURANG), (b.DI_ATAS, b.SESUAI, b.BAIK), (b.DI_ATAS, b.DI_ATAS, b.SANGAT_BAIK),
    (b.SESUAI, b.DI_BAWAH, b.KURANG), (b.SESUAI, b.SESUAI, b.BAIK), (b.SESUAI, b.DI_ATAS, b.BAIK),
    (b.DI_BAWAH, b.DI_BAWAH, b.SANGAT_KURANG), (b.DI_BAWAH, b.SESUAI, b.BUTUH_PERBAIKAN),
    (b.DI_BAWAH, b.DI_ATAS, b.BUTUH_PERBAIKAN),
])
def test_the_nine_cells_of_the_predikat_matrix(hasil, perilaku, expected):
    assert b.predikat(hasil, perilaku) == expected


def test_below_baik_are_the_three_that_call_for_coaching():
    assert set(b.BELOW_BAIK) == {b.BUTUH_PERBAIKAN, b.KURANG, b.SANGAT_KURANG}
    assert b.PREDIKAT_LABELS[b.KURANG][0] == "Kurang/Misconduct"


def test_unknown_rating_is_an_error():
    with pytest.raises(ValueError):
        b.predikat("excellent", b.SESUAI)


@pytest.mark.parametrize("mean,expected", [(2.99, b.DI_BAWAH), (3.0, b.SESUAI), (4.19, b.SESUAI), (4.2, b.DI_ATAS)])
def test_perilaku_rating_thresholds(mean, expected):
    assert b.perilaku_rating(mean, below=3.0, above=4.2) == expected


def test_min_raters_is_never_below_three():
    assert b.min_raters(1) == 3
    assert b.min_raters(0) == 3
    assert b.min_raters(5) == 5


def summary(raters, configured=3):
    sums = dict.fromkeys(b.VALUE_CODES, 4 * raters)
    counts = dict.fromkeys(b.VALUE_CODES, raters)
    return b.peer_summary(sums, counts, raters, configured_min=configured, below=3.0, above=4.2)


def test_peer_results_withheld_below_three_raters_even_if_configured_lower():
    withheld = summary(2, configured=1)
    assert withheld == {"released": False, "raters": 2, "min_raters": 3}
    assert "values" not in withheld


def test_peer_results_released_at_three_raters():
    released = summary(3)
    assert released["released"] and released["raters"] == 3
    assert released["values"]["BO"] == {"mean": 4.0, "n": 3, "rating": b.SESUAI}
    assert released["perilaku"] == b.SESUAI


def test_configured_threshold_above_three_is_respected():
    assert summary(4, configured=5)["released"] is False
    assert summary(5, configured=5)["released"] is True


def test_seven_values_with_three_guides_each_in_both_languages():
    assert b.VALUE_CODES == ("BO", "AK", "KO", "HA", "LO", "AD", "KL")
    for _code, _name, _name_en, guides_id, guides_en in b.VALUES:
        assert len(guides_id) == 3 and len(guides_en) == 3


def test_a_failing_value_is_not_averaged_away():
    # Akuntabel 1.0, the six others 5.0: mean 4.43 (Di Atas), but perilaku at most Sesuai
    sums = {c: (3 if c == "AK" else 15) for c in b.VALUE_CODES}
    counts = dict.fromkeys(b.VALUE_CODES, 3)
    capped = b.peer_summary(sums, counts, 3, configured_min=3, below=3.0, above=4.2)
    assert capped["values"]["AK"]["rating"] == b.DI_BAWAH and capped["perilaku"] == b.SESUAI
    assert "AK" in capped["perilaku_reason"]["id"] and "at most Meets expectations" in capped["perilaku_reason"]["en"]
    strict = b.peer_summary(sums, counts, 3, configured_min=3, below=3.0, above=4.2, failing=b.BELOW)
    assert strict["perilaku"] == b.DI_BAWAH
    assert b.predikat(b.DI_ATAS, capped["perilaku"]) == b.BAIK          # not Sangat Baik
    fine = b.peer_summary(dict.fromkeys(b.VALUE_CODES, 15), counts, 3, configured_min=3, below=3.0, above=4.2)
    assert fine["perilaku"] == b.DI_ATAS and fine["perilaku_reason"] is None
