"""Rows of an uploaded XLSX workbook as text, the way :class:`csv.DictReader` gives a CSV's (pure:
bytes in, rows out, no I/O).

``read_xlsx(data)`` reads the first worksheet: its first non-empty row is the header, every row
after it a ``dict`` from header to the cell as text, numbered by its row in the sheet (the row
numbers a person sees in the spreadsheet program, so the header of a sheet starting at the top
is line 1, as in a CSV). ``rows_from_xlsx(data)`` gives just those ``(line, dict)`` pairs, so an
importer that reads a CSV with ``csv.DictReader`` reads a spreadsheet with the same checks.

Cells as text: strings stripped; whole numbers without ``.0`` (``2026`` stays ``"2026"``);
dates as ISO dates; ``True``/``False`` as ``"true"``/``"false"``; empty and formula cells
without a saved value as ``""``. A number of more than 15 digits cannot be held exactly by a
spreadsheet (an 18-digit NIP typed as a number loses its last digits), so it comes out in
scientific notation (``"1.99001012015011e+17"``) for the importer's check to refuse, never as
wrong digits. Blank rows are skipped; columns without a header are ignored; a header repeated
keeps its first column.

Refused with :class:`SpreadsheetError` (its message ``"Bahasa Indonesia / English"``): a file
that is not an XLSX workbook (an old ``.xls`` included), one that unpacks to more than
``MAX_UNPACKED`` bytes (a zip bomb), and more than ``max_rows`` data rows.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

MAX_UNPACKED = 64 * 1024 * 1024
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class SpreadsheetError(ValueError):
    """The upload is not a workbook this module reads."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    header_line: int
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def is_xlsx(data: bytes) -> bool:
    """An XLSX file is a zip archive (an old ``.xls`` is not)."""
    return data[:4] == b"PK\x03\x04"


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):   # more than 15 digits: the spreadsheet program may already have rounded it
        return str(value) if abs(value) < 10**15 else repr(float(value))
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value) if abs(value) >= 1e15 else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def _check_archive(data: bytes) -> None:
    if data[:4] == XLS_MAGIC:
        raise SpreadsheetError("berkas .xls lama tidak didukung; simpan sebagai XLSX atau CSV / "
                               "old .xls files are not supported; save as XLSX or CSV")
    if not is_xlsx(data):
        raise SpreadsheetError("bukan berkas XLSX / not an XLSX file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise SpreadsheetError("berkas XLSX rusak / damaged XLSX file") from None
    if unpacked > MAX_UNPACKED:
        raise SpreadsheetError("isi berkas XLSX terlalu besar / the XLSX file unpacks too large")


def read_xlsx(data: bytes, *, max_rows: int | None = None) -> Table:
    """The first worksheet's header and rows (see the module doc); an empty sheet gives an
    empty header."""
    _check_archive(data)
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:   # openpyxl raises KeyError, InvalidFileException, zip and XML errors for a bad workbook
        raise SpreadsheetError("berkas XLSX tidak dapat dibaca / unreadable XLSX file") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return Table([], 0)
        header: list[str] = []
        header_line = 0
        columns: list[tuple[int, str]] = []
        rows: list[tuple[int, dict[str, str]]] = []
        for line, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            texts = [cell_text(v) for v in values]
            if not any(texts):
                continue
            if not header_line:
                header, header_line = texts, line
                seen: set[str] = set()
                for index, name in enumerate(texts):
                    if name and name not in seen:
                        seen.add(name)
                        columns.append((index, name))
                continue
            if max_rows is not None and len(rows) >= max_rows:
                raise SpreadsheetError(f"paling banyak {max_rows} baris / at most {max_rows} rows")
            rows.append((line, {name: texts[index] if index < len(texts) else "" for index, name in columns}))
        return Table([h for h in header if h], header_line, rows)
    except SpreadsheetError:
        raise
    except Exception:   # a damaged sheet found while reading it
        raise SpreadsheetError("berkas XLSX tidak dapat dibaca / unreadable XLSX file") from None
    finally:
        workbook.close()


SCIENTIFIC = re.compile(r"^-?[0-9](\.[0-9]+)?e[+-][0-9]+$")


def held_as_number(text: str) -> bool:
    """A cell :func:`cell_text` gave in scientific notation: a number too long to be exact."""
    return bool(SCIENTIFIC.match(text))


def rows_from_xlsx(data: bytes, *, max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """``(line, {header: text})`` for every data row of the first worksheet."""
    return read_xlsx(data, max_rows=max_rows).rows
