"""SKM / IKM as PermenPAN-RB 14/2017 defines it: pure functions, no I/O.

Inputs are running totals (sums and counts per unsur), so the same code serves the
incremental aggregator, a full recomputation and the reports.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

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

# The respondent profile the SKM asks for (coarse categories only, every item optional):
# category -> its answers. A closed vocabulary: the aggregator counts answers per category,
# so these are the only profile keys and values an event or a state document may hold.
PROFILE = {
    "age_band": ("<20", "20-29", "30-39", "40-49", "50-59", ">=60"),
    "sex": ("L", "P"),
    "education": ("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", "S3", "lainnya"),
    "occupation": ("PNS", "TNI-Polri", "swasta", "wirausaha", "pelajar-mahasiswa", "lainnya"),
}

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


def equal_weights(codes: Sequence[str] = UNSUR_CODES) -> dict[str, float]:
    return {code: 1 / len(codes) for code in codes}


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights per unsur must be non-negative, name known unsur and sum to 1."""
    unknown = sorted(set(weights) - set(UNSUR_CODES))
    if unknown:
        raise WeightsError(f"unknown unsur: {', '.join(unknown)}")
    if any(w < 0 for w in weights.values()):
        raise WeightsError("weights must not be negative")
    if not math.isclose(sum(weights.values()), 1.0, abs_tol=1e-6):
        raise WeightsError(f"weights must sum to 1, not {sum(weights.values()):.6f}")
    return dict(weights)


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


def nrr(totals: Totals) -> dict[str, float | None]:
    """NRR per unsur: sum of answers / respondents who answered it (None: nobody did)."""
    return {code: (totals.sums.get(code, 0) / totals.counts[code]) if totals.counts.get(code) else None
            for code in UNSUR_CODES}


def skm_value(nrr_by_unsur: Mapping[str, float | None], weights: Mapping[str, float] | None = None) -> float | None:
    """Perception value 1-4: sum of NRR x weight.

    An unsur nobody answered has no NRR; the regulation divides each NRR by the respondents
    who answered it, so such an unsur is left out and the remaining weights are scaled back
    to a sum of 1 (with equal weights: the mean of the NRR that exist).
    """
    weights = weights or equal_weights()
    present = {c: w for c, w in weights.items() if nrr_by_unsur.get(c) is not None}
    total_weight = sum(present.values())
    if not present or total_weight <= 0:
        return None
    return sum(cast(float, nrr_by_unsur[c]) * w for c, w in present.items()) / total_weight  # present: not None


def round2(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def ikm(skm: float | None) -> Decimal | None:
    """Converted value 25-100 (the published nilai IKM), rounded to two decimals."""
    return None if skm is None else round2(skm * 25)


def grade(ikm_value: Decimal | float | None) -> dict[str, str] | None:
    """Mutu pelayanan A-D and kinerja unit for a converted value (rounded to 2 decimals first)."""
    if ikm_value is None:
        return None
    value = ikm_value if isinstance(ikm_value, Decimal) else round2(float(ikm_value))
    for bound, mutu, label_id, label_en in GRADES:
        if value >= bound:
            return {"mutu": mutu, "kinerja": label_id, "kinerja_en": label_en}
    return {"mutu": "D", "kinerja": "Tidak Baik", "kinerja_en": "Not good"}


def lowest_unsur(nrr_by_unsur: Mapping[str, float | None], n: int = 3) -> list[str]:
    """The n unsur with the lowest NRR (ties by unsur order): the improvement priorities."""
    ranked = sorted((v, UNSUR_CODES.index(c), c) for c, v in nrr_by_unsur.items() if v is not None)
    return [c for _, _, c in ranked[:n]]


def krejcie_morgan(population: int) -> int:
    """Minimum sample for a population (95% confidence, 5% margin, P = 0.5).

    The published table stops at 384 for very large populations (100,000 and more).
    """
    if population <= 0:
        return 0
    if population >= 100_000:
        return 384
    chi2, p, d = 3.841, 0.5, 0.05
    s = chi2 * population * p * (1 - p) / (d * d * (population - 1) + chi2 * p * (1 - p))
    return min(population, math.ceil(round(s, 6)))


def evaluate(totals: Totals, weights: Mapping[str, float] | None = None,
             population: int | None = None) -> dict[str, Any]:
    """Everything a report shows for one unit or service and period."""
    by_unsur = nrr(totals)
    value = skm_value(by_unsur, weights)
    converted = ikm(value)
    result: dict[str, Any] = {
        "respondents": totals.respondents,
        "nrr": {c: (round(v, 4) if v is not None else None) for c, v in by_unsur.items()},
        "skm": round(value, 4) if value is not None else None,
        "ikm": float(converted) if converted is not None else None,
        "grade": grade(converted),
        "lowest_unsur": lowest_unsur(by_unsur),
    }
    if population:
        target = krejcie_morgan(population)
        result["sample"] = {"population": population, "target": target,
                            "adequate": totals.respondents >= target}
    return result
