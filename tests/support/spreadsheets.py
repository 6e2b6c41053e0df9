"""Workbooks for tests of the CSV-or-XLSX imports (what a SIMPEG export looks like)."""
from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx(rows: list[list[object]]) -> bytes:
    """One sheet with these rows (a value's type is kept: a NIP given as an int is a number cell)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
