"""BerAKHLAK core values and the predikat kinerja (PermenPAN-RB 6/2022): pure, no I/O."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from shared.domain.skm import half_up

Number = float | int | Decimal | Fraction

# (code, name, English, behaviour guides in Bahasa Indonesia, in English)
VALUES = (
    ("BO", "Berorientasi Pelayanan", "Service oriented",
     ("Memahami dan memenuhi kebutuhan masyarakat", "Ramah, cekatan, solutif, dan dapat diandalkan",
      "Melakukan perbaikan tiada henti"),
     ("Understands and meets the public's needs", "Friendly, quick, solution-minded and dependable",
      "Keeps improving")),
    ("AK", "Akuntabel", "Accountable",
     ("Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin dan berintegritas tinggi",
      "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien",
      "Tidak menyalahgunakan kewenangan jabatan"),
     ("Works honestly, responsibly, carefully, with discipline and integrity",
      "Uses state property responsibly, effectively and efficiently", "Does not abuse the authority of office")),
    ("KO", "Kompeten", "Competent",
     ("Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah", "Membantu orang lain belajar",
      "Melaksanakan tugas dengan kualitas terbaik"),
     ("Builds own competence to meet changing challenges", "Helps others learn", "Delivers work of the best quality")),
    ("HA", "Harmonis", "Harmonious",
     ("Menghargai setiap orang apapun latar belakangnya", "Suka menolong orang lain",
      "Membangun lingkungan kerja yang kondusif"),
     ("Respects everyone whatever their background", "Likes to help others", "Builds a supportive workplace")),
    ("LO", "Loyal", "Loyal",
     ("Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta pemerintahan yang sah",
      "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara", "Menjaga rahasia jabatan dan negara"),
     ("Upholds Pancasila, the 1945 Constitution, the Republic and its lawful government",
      "Protects the good name of fellow ASN, leaders, the agency and the state",
      "Keeps official and state secrets")),
    ("AD", "Adaptif", "Adaptive",
     ("Cepat menyesuaikan diri menghadapi perubahan", "Terus berinovasi dan mengembangkan kreativitas",
      "Bertindak proaktif"),
     ("Adapts quickly to change", "Keeps innovating and developing creativity", "Acts proactively")),
    ("KL", "Kolaboratif", "Collaborative",
     ("Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
      "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
      "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama"),
     ("Gives others the chance to contribute", "Open to working together to add value",
      "Mobilises resources for shared goals")),
)
VALUE_CODES = tuple(v[0] for v in VALUES)

RELATIONS = ("peer", "subordinate", "supervisor", "self")

DI_ATAS, SESUAI, DI_BAWAH = "di_atas", "sesuai", "di_bawah"
RATINGS = (DI_ATAS, SESUAI, DI_BAWAH)
RATING_LABELS = {
    DI_ATAS: ("Di Atas Ekspektasi", "Above expectations"),
    SESUAI: ("Sesuai Ekspektasi", "Meets expectations"),
    DI_BAWAH: ("Di Bawah Ekspektasi", "Below expectations"),
}

SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG = (
    "sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang")
PREDIKAT_LABELS = {
    SANGAT_BAIK: ("Sangat Baik", "Excellent"),
    BAIK: ("Baik", "Good"),
    BUTUH_PERBAIKAN: ("Butuh Perbaikan", "Needs improvement"),
    KURANG: ("Kurang/Misconduct", "Poor/Misconduct"),
    SANGAT_KURANG: ("Sangat Kurang", "Very poor"),
}
# (hasil kerja, perilaku kerja) -> predikat kinerja
PREDIKAT = {
    (DI_ATAS, DI_BAWAH): KURANG, (DI_ATAS, SESUAI): BAIK, (DI_ATAS, DI_ATAS): SANGAT_BAIK,
    (SESUAI, DI_BAWAH): KURANG, (SESUAI, SESUAI): BAIK, (SESUAI, DI_ATAS): BAIK,
    (DI_BAWAH, DI_BAWAH): SANGAT_KURANG, (DI_BAWAH, SESUAI): BUTUH_PERBAIKAN, (DI_BAWAH, DI_ATAS): BUTUH_PERBAIKAN,
}
BELOW_BAIK = (BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG)

MIN_RATERS_FLOOR = 3  # peer results are never released with fewer distinct raters
MEAN_PLACES = 1  # peer means are shown to one decimal (half-up, once, from the integer sums)


def predikat(hasil_kerja: str, perilaku_kerja: str) -> str:
    try:
        return PREDIKAT[(hasil_kerja, perilaku_kerja)]
    except KeyError:
        raise ValueError(f"unknown rating pair {hasil_kerja!r}, {perilaku_kerja!r}") from None


def exact(x: Number) -> Fraction:
    """A number as the decimal it is written as (a float threshold 3.7 is 3.7, not its binary
    neighbour), so a shown mean of 3.7 meets a threshold of 3.7."""
    return Fraction(Decimal(repr(x))) if isinstance(x, float) else Fraction(x)


def perilaku_rating(mean: Number, below: Number, above: Number) -> str:
    """Di Bawah if mean < below, Di Atas if mean >= above, else Sesuai (compared exactly)."""
    m, lo, hi = exact(mean), exact(below), exact(above)
    if lo >= hi:
        raise ValueError("the 'below' threshold must be lower than the 'above' threshold")
    if m < lo:
        return DI_BAWAH
    if m >= hi:
        return DI_ATAS
    return SESUAI


def min_raters(configured: int) -> int:
    """The release threshold: the configured value, but never below 3."""
    return max(MIN_RATERS_FLOOR, int(configured))


CAP, BELOW = "cap", "below"   # what a failing core value does to the perilaku (see perilaku_of)
FAILING_VALUE = (CAP, BELOW)


def perilaku_of(overall: str, value_ratings: Mapping[str, str | None], failing: str = CAP
                ) -> tuple[str, dict[str, str] | None]:
    """The perilaku from the overall mean's rating, not averaging away a failing value: a core
    value rated Di Bawah Ekspektasi makes it at most Sesuai (``cap``) or Di Bawah (``below``).
    Returns the rating and, when a value changed it, the reason (Bahasa Indonesia, English)."""
    failed = [code for code, r in value_ratings.items() if r == DI_BAWAH]
    if not failed or overall == DI_BAWAH:
        return overall, None
    result = DI_BAWAH if failing == BELOW else SESUAI if overall == DI_ATAS else overall
    if result == overall:
        return overall, None
    names = ", ".join(failed)
    target = RATING_LABELS[result]
    return result, {"id": f"Nilai {names} Di Bawah Ekspektasi: perilaku paling tinggi {target[0]}",
                    "en": f"{names} below expectations: perilaku at most {target[1]}", "values": names}


def peer_summary(sums: Mapping[str, int], counts: Mapping[str, int], raters: int, *, configured_min: int,
                 below: float, above: float, failing: str = CAP) -> dict[str, Any]:
    """Per-value means and ratings for one employee and one release period (a quarter: see
    :mod:`.peer_release`), or withheld below the threshold.

    Means come from the integer sums as fractions (the overall mean: the mean of the exact
    per-value means) and are rounded half-up once, to :data:`MEAN_PLACES` decimals; ratings
    are read from the mean as shown, so a shown 3.0 is never below a threshold of 3.0 and a
    rating tells nothing the shown mean does not."""
    threshold = min_raters(configured_min)
    if raters < threshold:
        return {"released": False, "raters": raters, "min_raters": threshold}
    values: dict[str, dict[str, Any]] = {}
    exact: list[Fraction] = []
    for code in VALUE_CODES:
        n = counts.get(code, 0)
        shown = half_up(Fraction(sums.get(code, 0), n), MEAN_PLACES) if n else None
        if n:
            exact.append(Fraction(sums.get(code, 0), n))
        values[code] = {"mean": float(shown) if shown is not None else None, "n": n,
                        "rating": perilaku_rating(shown, below, above) if shown is not None else None}
    overall = half_up(sum(exact, Fraction(0)) / len(exact), MEAN_PLACES) if exact else None
    return {"released": True, "raters": raters, "min_raters": threshold, "values": values,
            "mean": float(overall) if overall is not None else None,
            **_perilaku(overall, values, below, above, failing)}


def _perilaku(overall: Number | None, values: Mapping[str, Mapping[str, Any]], below: float, above: float,
              failing: str) -> dict[str, Any]:
    if overall is None:
        return {"perilaku": None, "perilaku_reason": None}
    rating, reason = perilaku_of(perilaku_rating(overall, below, above),
                                 {c: v.get("rating") for c, v in values.items()}, failing)
    return {"perilaku": rating, "perilaku_reason": reason}
