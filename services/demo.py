"""Demo data for `make up`: a few units of a fictional regency (idempotent)."""
from __future__ import annotations

from shared import db
from shared.clock import SystemClock
from shared.config import Settings
from shared.directory import Unit

UNITS = [
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Population and Civil Registry Office"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "One-Stop Integrated Services Office"),
    ("RSUD", "Rumah Sakit Umum Daerah", "Regional General Hospital"),
    ("KEC-ANDIR", "Kecamatan Andir", "Andir District Office"),
]


def load(settings: Settings, echo=print) -> None:
    db.connect(settings)
    now = SystemClock().now()
    for code, name, name_en in UNITS:
        Unit.save_revision(code, {"name": name, "name_en": name_en}, at=now, by="demo")
    echo(f"demo: {len(UNITS)} units")
