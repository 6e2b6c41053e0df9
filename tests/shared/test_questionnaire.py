"""The official SKM questionnaire and the standard profile categories (pure, no servers)."""
from __future__ import annotations

import pytest

from shared.domain import skm

from services.aggregator.state.results import merge_profile
from services.survey.surveys import spec

pytestmark = pytest.mark.unit


def test_version_2_asks_the_regulations_questions_in_the_questionnaires_order():
    v2 = spec.BUILTIN_LATEST[spec.SKM_CODE]
    assert v2.version == 2 and spec.BUILTIN[(spec.SKM_CODE, 1)].version == 1
    assert [q.code for q in v2.questions] == ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8"]
    by_code = {q.code: q for q in v2.questions}
    assert by_code["U9"].heading == ("Sarana dan Prasarana", "Facilities")
    assert by_code["U9"].text_id == "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"
    assert [label for label, _ in by_code["U9"].labels] == ["Buruk", "Cukup", "Baik", "Sangat baik"]
    assert [label for label, _ in by_code["U8"].labels] == [
        "Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"]
    # both versions check the same answers the same way: keyed by unsur, never by position
    answers = dict(zip(skm.UNSUR_CODES, (1, 2, 3, 4, 1, 2, 3, 4, 2)))
    assert v2.check_answers(answers) == spec.SKM_V1.check_answers(answers) == (answers, {})
    # the heading travels with the template as stored and sent to the kiosk
    stored = spec.question_to_dict(by_code["U8"])
    assert stored["heading"] == {"id": "Penanganan Pengaduan, Saran dan Masukan",
                                 "en": "Handling of complaints and suggestions"}
    assert spec.question_from_dict(stored) == by_code["U8"]


def test_the_profile_takes_the_standard_categories_and_reads_the_old_ones():
    assert skm.PROFILE["education"] == ("SD", "SMP", "SMA", "D1-D3-D4", "S1", "S2", "S3", "lainnya")
    assert {"PNS", "TNI", "POLRI", "swasta", "wirausaha", "lainnya"} <= set(skm.PROFILE["occupation"])
    assert "D4-S1" not in skm.PROFILE["education"] and "D4-S1" in skm.STORED_PROFILE["education"]
    assert [skm.profile_value("education", v) for v in ("D1-D3", "D4-S1", "S1")] == ["D1-D3-D4", "D4-S1", "S1"]
    assert skm.profile_answer_label("TNI-Polri") == "TNI/POLRI (data lama)"
    merged = merge_profile([{"profile": {"education": {"D1-D3": 2, "D1-D3-D4": 1}, "occupation": {"TNI-Polri": 1}}},
                            {"profile": {"education": {"D1-D3-D4": 4}}}])
    assert merged["profile"] == {"education": {"D1-D3-D4": 7}, "occupation": {"TNI-Polri": 1}}
