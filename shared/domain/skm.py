"""SKM / IKM as PermenPAN-RB 14/2017 defines it: pure functions, no I/O.

Inputs are running totals (sums and counts per unsur), so the same code serves the
incremental aggregator, a full recomputation and the reports.
"""
from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

# (code, official name, English, answer labels 1..4 in Bahasa Indonesia, in English)
UNSUR = (
    ("U1", "Persyaratan", "Requirements",
     ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
     ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate")),
    ("U2", "Sistem, Mekanisme, dan Prosedur", "Systems, mechanisms and procedures",
     ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
     ("Not easy", "Less easy", "Easy", "Very easy")),
    ("U3", "Waktu Penyelesaian", "Completion time",
     ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
     ("Not fast", "Less fast", "Fast", "Very fast")),
    ("U4", "Biaya/Tarif", "Cost / fee",
     ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
     ("Very expensive", "Rather expensive", "Cheap", "Free")),
    ("U5", "Produk Spesifikasi Jenis Pelayanan", "Service product as specified",
     ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
     ("Not as promised", "Partly as promised", "As promised", "Exactly as promised")),
    ("U6", "Kompetensi Pelaksana", "Competence of the officer",
     ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
     ("Not competent", "Less competent", "Competent", "Very competent")),
    ("U7", "Perilaku Pelaksana", "Behaviour of the officer",
     ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"),
     ("Not polite and friendly", "Less polite and friendly", "Polite and friendly", "Very polite and friendly")),
    ("U8", "Penanganan Pengaduan, Saran dan Masukan", "Handling of complaints and suggestions",
     ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"),
     ("None", "Exists but does not work", "Works, not fully", "Well managed")),
    ("U9", "Sarana dan Prasarana", "Facilities",
     ("Buruk", "Cukup", "Baik", "Sangat baik"),
     ("Poor", "Fair", "Good", "Very good")),
)
UNSUR_CODES = tuple(u[0] for u in UNSUR)
OFFICER_UNSUR = ("U6", "U7")  # the two elements about the officer personally
SCALE = (1, 2, 3, 4)

# The nine questions as the regulation's sample questionnaire prints them (Lampiran of
# PermenPAN-RB 14/2017), in Bahasa Indonesia and English; each is answered a-d, scored 1-4,
# with the labels of UNSUR above.
QUESTIONS = {
    "U1": ("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
           "How well do the service's requirements fit the kind of service?"),
    "U2": ("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
           "How easy do you find the service procedure at this unit?"),
    "U3": ("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
           "How fast was the service delivered?"),
    "U4": ("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
           "How fair is the cost or fee of the service?"),
    "U5": ("Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
           "pelayanan dengan hasil yang diberikan?",
           "How well does what you received match what the service standard promises?"),
    "U6": ("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
           "How competent were the officers who served you?"),
    "U7": ("Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
           "How polite and friendly were the officers who served you?"),
    "U8": ("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
           "How are service users' complaints handled?"),
    "U9": ("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
           "How good are the facilities?"),
}
# The questionnaire asks about facilities (U9) 8th and complaints (U8) 9th; answers are keyed
# by unsur code, never by position.
QUESTIONNAIRE_ORDER = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U9", "U8")

# The respondent profile the SKM asks for (coarse categories only, every item optional):
# category -> its answers, the standard form's categories (pelajar/mahasiswa kept as an extra
# occupation). A closed vocabulary: the aggregator counts answers per category, so these (and
# the legacy values below, in events and state written before) are the only profile keys and
# values an event or a state document may hold. New responses take only these.
PROFILE = {
    "age_band": ("<20", "20-29", "30-39", "40-49", "50-59", ">=60"),
    "sex": ("L", "P"),
    "education": ("SD", "SMP", "SMA", "D1-D3-D4", "S1", "S2", "S3", "lainnya"),
    "occupation": ("PNS", "TNI", "POLRI", "swasta", "wirausaha", "pelajar-mahasiswa", "lainnya"),
}

# Categories of the profile before the standard form's were adopted, as stored data holds them,
# and what each is read as: D1-D3 is within D1-D3-D4; D4-S1 and TNI-Polri each straddle two
# standard categories, so they stay rows of their own, labelled as old data, never guessed apart.
LEGACY_PROFILE = {
    "education": {"D1-D3": "D1-D3-D4", "D4-S1": "D4-S1"},
    "occupation": {"TNI-Polri": "TNI-Polri"},
}
# How the form and the reports show a category and an answer (Bahasa Indonesia, English); an
# answer not listed shows as written (SD, SMA, S1, PNS, ...).
PROFILE_TITLES = {"age_band": ("Usia", "Age"), "sex": ("Jenis kelamin", "Sex"),
                  "education": ("Pendidikan terakhir", "Education"), "occupation": ("Pekerjaan utama", "Occupation")}
PROFILE_ANSWER_LABELS = {
    "<20": ("di bawah 20 tahun", "under 20"), ">=60": ("60 tahun ke atas", "60 and over"),
    "20-29": ("20-29 tahun", "20-29"), "30-39": ("30-39 tahun", "30-39"), "40-49": ("40-49 tahun", "40-49"),
    "50-59": ("50-59 tahun", "50-59"),
    "L": ("Laki-laki", "Male"), "P": ("Perempuan", "Female"),
    "D1-D3-D4": ("D1-D3-D4", "Diploma (D1-D4)"), "S1": ("S1", "Bachelor (S1)"), "S2": ("S2", "Master (S2)"),
    "S3": ("S3", "Doctorate (S3)"), "SMA": ("SMA", "Senior high school"), "SMP": ("SMP", "Junior high school"),
    "SD": ("SD", "Primary school"),
    "PNS": ("PNS", "Civil servant (PNS)"), "TNI": ("TNI", "Military (TNI)"), "POLRI": ("POLRI", "Police (POLRI)"),
    "swasta": ("Pegawai swasta", "Private sector employee"), "wirausaha": ("Wirausaha", "Self-employed"),
    "pelajar-mahasiswa": ("Pelajar/Mahasiswa", "Student"), "lainnya": ("Lainnya", "Other"),
    "D4-S1": ("D4/S1 (data lama)", "D4/S1 (old data)"), "TNI-Polri": ("TNI/POLRI (data lama)", "TNI/POLRI (old data)"),
}


def profile_answer_label(value: str, lang: str = "id") -> str:
    pair = PROFILE_ANSWER_LABELS.get(value)
    return value if pair is None else pair[1] if lang == "en" else pair[0]


# What an event or a state document may hold: today's answers and the legacy ones.
STORED_PROFILE = {key: answers + tuple(v for v in LEGACY_PROFILE.get(key, {}) if v not in answers)
                  for key, answers in PROFILE.items()}


def profile_value(key: str, value: str) -> str:
    """A stored profile answer as it is counted and shown today (legacy categories mapped)."""
    return LEGACY_PROFILE.get(key, {}).get(value, value)

# Grade boundaries on the converted value (IKM, 25-100), rounded to two decimals first.
GRADES = (
    (Decimal("88.31"), "A", "Sangat Baik", "Very good"),
    (Decimal("76.61"), "B", "Baik", "Good"),
    (Decimal("65.00"), "C", "Kurang Baik", "Less than good"),
    (Decimal("25.00"), "D", "Tidak Baik", "Not good"),
)
TWO_PLACES = Decimal("0.01")


class WeightsError(ValueError):
    pass


Weight = Fraction | Decimal | float | int | str


def exact(value: Weight) -> Fraction:
    """A weight as an exact fraction: from its stored text (``"0.15"``, ``"1/9"``), a Decimal,
    an int, or a float read as the shortest decimal that prints it (``0.1`` is 1/10, never
    the binary 0.1000000000000000055...)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise WeightsError("a weight is a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WeightsError("a weight is a finite number")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    text = str(value).strip()
    if not WEIGHT_TEXT.match(text):
        raise WeightsError(f"not a weight: {text[:20]!r} (a decimal like 0.15 or a fraction like 1/9)")
    return Fraction(text)


WEIGHT_TEXT = re.compile(r"^(\d{1,3}(\.\d{1,17})?|\d{1,9}/[1-9]\d{0,8})$")


def equal_weights(codes: Sequence[str] = UNSUR_CODES) -> dict[str, Fraction]:
    """The regulation's weights: each unsur 1/9, exactly (printed rounded as 0,11 or 0,111)."""
    return {code: Fraction(1, len(codes)) for code in codes}


def check_weights(weights: Mapping[str, Weight]) -> dict[str, Fraction]:
    """Weights per unsur: known unsur, non-negative, summing to exactly 1 (as exact
    fractions of what was written: 0.1 + 0.2 + 0.7 is 1; write 1/9 rather than 0.111)."""
    unknown = sorted(set(weights) - set(UNSUR_CODES))
    if unknown:
        raise WeightsError(f"unknown unsur: {', '.join(unknown)}")
    checked = {code: exact(w) for code, w in weights.items()}
    if any(w < 0 for w in checked.values()):
        raise WeightsError("weights must not be negative")
    total = sum(checked.values(), Fraction(0))
    if total != 1:
        raise WeightsError(f"weights must sum to 1 exactly, not {float(total):.6g} "
                           "(fractions such as 1/9 are written as such)")
    return checked


def weight_text(value: Weight) -> str:
    """How a weight is stored and shown: the decimal it was written as, or ``p/q`` for a
    fraction with no short decimal."""
    if isinstance(value, str):
        exact(value)
        return value.strip()
    if isinstance(value, float):
        exact(value)
        return format(Decimal(repr(value)), "f")
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format(Decimal(value), "f")
    fr = exact(value)
    for places in range(0, 18):
        if (fr * 10 ** places).denominator == 1:
            return format(half_up(fr, places), "f")
    return f"{fr.numerator}/{fr.denominator}"


def is_equal(weights: Mapping[str, Weight] | None) -> bool:
    return weights is None or {c: exact(w) for c, w in weights.items()} == equal_weights()


def half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half-up (away from zero on a tie) to ``places`` decimals, exactly."""
    scale = 10 ** places
    sign = -1 if value < 0 else 1
    units = (2 * abs(value.numerator) * scale + value.denominator) // (2 * value.denominator)
    return Decimal(sign * units).scaleb(-places)


@dataclass
class Totals:
    """Running totals: respondents, and per unsur the sum of answers and how many answered."""

    respondents: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, answers: Mapping[str, int]) -> None:
        self.respondents += 1
        for code, value in answers.items():
            self.sums[code] = self.sums.get(code, 0) + value
            self.counts[code] = self.counts.get(code, 0) + 1

    def merge(self, other: Totals) -> Totals:
        out = Totals(self.respondents + other.respondents, dict(self.sums), dict(self.counts))
        for code, value in other.sums.items():
            out.sums[code] = out.sums.get(code, 0) + value
        for code, value in other.counts.items():
            out.counts[code] = out.counts.get(code, 0) + value
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"respondents": self.respondents, "sums": dict(self.sums), "counts": dict(self.counts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Totals:
        return cls(int(data.get("respondents", 0)), {k: int(v) for k, v in (data.get("sums") or {}).items()},
                   {k: int(v) for k, v in (data.get("counts") or {}).items()})


def nrr_exact(totals: Totals) -> dict[str, Fraction | None]:
    """NRR per unsur, exactly: sum of answers / respondents who answered it (None: nobody did)."""
    return {code: Fraction(totals.sums.get(code, 0), totals.counts[code]) if totals.counts.get(code) else None
            for code in UNSUR_CODES}


def nrr(totals: Totals) -> dict[str, float | None]:
    """NRR per unsur as floats (for ranking and charts; results use :func:`nrr_exact`)."""
    return {code: float(v) if v is not None else None for code, v in nrr_exact(totals).items()}


def skm_exact(nrr_by_unsur: Mapping[str, Fraction | None],
              weights: Mapping[str, Weight] | None = None) -> Fraction | None:
    """Perception value 1-4, exactly: sum of NRR x weight.

    An unsur nobody answered has no NRR; the regulation divides each NRR by the respondents
    who answered it, so such an unsur is left out and the remaining weights are scaled back
    to a sum of 1 (with equal weights: the mean of the NRR that exist).
    """
    exact_weights = equal_weights() if weights is None else {c: exact(w) for c, w in weights.items()}
    present = {c: w for c, w in exact_weights.items() if nrr_by_unsur.get(c) is not None}
    total_weight = sum(present.values(), Fraction(0))
    if not present or total_weight <= 0:
        return None
    weighted = sum((Fraction(nrr_by_unsur[c] or 0) * w for c, w in present.items()), Fraction(0))
    return weighted / total_weight


def skm_value(nrr_by_unsur: Mapping[str, Fraction | float | None],
              weights: Mapping[str, Weight] | None = None) -> float | None:
    """:func:`skm_exact` as a float (display helpers; results round the exact value)."""
    value = skm_exact({c: Fraction(v) if v is not None else None for c, v in nrr_by_unsur.items()}, weights)
    return float(value) if value is not None else None


def round2(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def ikm(skm: Fraction | float | None) -> Decimal | None:
    """Converted value 25-100 (the published nilai IKM): 25 x SKM, rounded half-up to two
    decimals from the exact value."""
    if skm is None:
        return None
    return half_up(Fraction(skm) * 25 if isinstance(skm, Fraction) else Fraction(Decimal(repr(skm))) * 25, 2)


def worked_skm(value: Fraction) -> Decimal:
    """The SKM as the report's worked line prints it: 4 decimals, or more when 4 would not
    multiply by 25 to the IKM shown (3,0642 x 25 = 76,605, which is 76,61; printing 3,06420
    would not help, so the digits that decide it are shown: 3,06420 x 25 = 76,6050 -> 76,61)."""
    target = half_up(value * 25, 2)
    for places in range(4, 13):
        shown = half_up(value, places)
        if half_up(Fraction(shown) * 25, 2) == target:
            return shown
    return half_up(value, 12)


def grade(ikm_value: Decimal | float | None) -> dict[str, str] | None:
    """Mutu pelayanan A-D and kinerja unit for a converted value (rounded to 2 decimals first)."""
    if ikm_value is None:
        return None
    value = ikm_value if isinstance(ikm_value, Decimal) else round2(float(ikm_value))
    for bound, mutu, label_id, label_en in GRADES:
        if value >= bound:
            return {"mutu": mutu, "kinerja": label_id, "kinerja_en": label_en}
    return {"mutu": "D", "kinerja": "Tidak Baik", "kinerja_en": "Not good"}


def lowest_unsur(nrr_by_unsur: Mapping[str, Fraction | float | None], n: int = 3) -> list[str]:
    """The n unsur with the lowest NRR (ties by unsur order): the improvement priorities."""
    ranked = sorted((v, UNSUR_CODES.index(c), c) for c, v in nrr_by_unsur.items() if v is not None)
    return [c for _, _, c in ranked[:n]]


# Krejcie & Morgan (1970), as published: population N -> sample S.
KREJCIE_MORGAN = (
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44), (55, 48), (60, 52),
    (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76), (100, 80), (110, 86), (120, 92),
    (130, 97), (140, 103), (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132), (210, 136),
    (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162), (290, 165), (300, 169),
    (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201), (440, 205), (460, 210), (480, 214),
    (500, 217), (550, 226), (600, 234), (650, 242), (700, 248), (750, 254), (800, 260), (850, 265), (900, 269),
    (950, 274), (1000, 278), (1100, 285), (1200, 291), (1300, 297), (1400, 302), (1500, 306), (1600, 310),
    (1700, 313), (1800, 317), (1900, 320), (2000, 322), (2200, 327), (2400, 331), (2600, 335), (2800, 338),
    (3000, 341), (3500, 346), (4000, 351), (4500, 354), (5000, 357), (6000, 361), (7000, 364), (8000, 367),
    (9000, 368), (10000, 370), (15000, 375), (20000, 377), (30000, 379), (40000, 380), (50000, 381),
    (75000, 382), (1000000, 384),
)


def krejcie_morgan(population: int) -> int:
    """Minimum sample for a population, from the published table (95% confidence, 5%
    margin): a population on a row takes that row; between rows, the next row up (759 takes
    the 800 row: 260); under 10, everyone; above 1,000,000, 384."""
    if population <= 0:
        return 0
    if population < KREJCIE_MORGAN[0][0]:
        return population
    index = bisect.bisect_left(KREJCIE_MORGAN, (population, 0))
    return KREJCIE_MORGAN[index][1] if index < len(KREJCIE_MORGAN) else KREJCIE_MORGAN[-1][1]


def _weighted(value: Fraction | None, weight: Fraction | None) -> float | None:
    return float(half_up(value * weight, 4)) if value is not None and weight is not None else None


def weights_used(nrr_by_unsur: Mapping[str, Fraction | None],
                 weights: Mapping[str, Weight] | None = None) -> dict[str, Fraction | None]:
    """The weight each unsur carried in :func:`skm_exact`: its own, scaled back to a sum of 1
    over the answered unsur (None for an unsur nobody answered)."""
    exact_weights = equal_weights() if weights is None else {c: exact(w) for c, w in weights.items()}
    present = {c: w for c, w in exact_weights.items() if nrr_by_unsur.get(c) is not None}
    total = sum(present.values(), Fraction(0))
    return {c: (present[c] / total if c in present and total > 0 else None) for c in UNSUR_CODES}


def weighting(weights: Mapping[str, Weight] | None, reason: str | None = None) -> dict[str, Any]:
    """How the SKM was weighted, for everyone who reads a result: ``equal`` (the
    regulation's 1/9 each), or ``custom`` with the weights as written and the stated reason."""
    if is_equal(weights):
        return {"kind": "equal"}
    assert weights is not None
    return {"kind": "custom", "weights": {c: weight_text(w) for c, w in weights.items()}, "reason": reason}


def evaluate(totals: Totals, weights: Mapping[str, Weight] | None = None,
             population: int | None = None) -> dict[str, Any]:
    """Everything a report shows for one unit or service and period."""
    by_unsur = nrr_exact(totals)
    value = skm_exact(by_unsur, weights)
    converted = ikm(value)
    result: dict[str, Any] = {
        "respondents": totals.respondents,
        "nrr": {c: (float(half_up(v, 4)) if v is not None else None) for c, v in by_unsur.items()},
        "skm": float(half_up(value, 4)) if value is not None else None,
        "ikm": float(converted) if converted is not None else None,
        "grade": grade(converted),
        "lowest_unsur": lowest_unsur(by_unsur),
        "weighting": weighting(weights),
    }
    if value is not None:
        result["skm_worked"] = str(worked_skm(value))
    used = weights_used(by_unsur, weights)
    result["unsur_weights"] = {c: (float(half_up(w, 4)) if w is not None else None) for c, w in used.items()}
    result["unsur_weighted"] = {c: _weighted(by_unsur[c], w) for c, w in used.items()}
    if population:
        target = krejcie_morgan(population)
        result["sample"] = {"population": population, "target": target,
                            "adequate": totals.respondents >= target}
    return result
