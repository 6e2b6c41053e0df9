"""Hasil kerja ratings imported from the SKP appraisal: parsing and checking rows (pure).

A row is ``nip, period, hasil_kerja`` and optionally ``perilaku`` (the rater's own perilaku
kerja rating: under PermenPAN-RB 6/2022 the pejabat penilai decides it, so when given it takes
precedence over the one derived from peer feedback); a rating is ``di_atas``/``sesuai``/
``di_bawah`` or its label (``Di Atas Ekspektasi``, ``Sesuai``, ``Above expectations``, ...), any case. Errors
are reported per row with the line number (the CSV header is line 1; in an XLSX workbook, the
row number the spreadsheet shows). A CSV and an XLSX with the same cells give the same rows.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.contracts.formats import PERIOD_MESSAGE, PERIOD_RE
from shared.domain import berakhlak
from shared.platform import spreadsheet
from shared.records.directory import nip_problems

COLUMNS = ("nip", "period", "hasil_kerja")
MAX_ROWS = 20000


def _labels() -> dict[str, str]:
    out = {}
    for code, (label_id, label_en) in berakhlak.RATING_LABELS.items():
        for text in (code, code.replace("_", " "), label_id, label_en, label_id.replace(" Ekspektasi", "")):
            out[_norm(text)] = code
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", " ", str(text).strip().lower())


def _column(name: str) -> str:
    return _norm(name).replace(" ", "_")


def _missing(header: list[str], line: int) -> dict[str, list[str]]:
    missing = [c for c in COLUMNS if c not in header]
    return {str(line): [f"kolom hilang / missing columns: {', '.join(missing)}"]} if missing else {}


LABELS = _labels()


@dataclass(frozen=True)
class Row:
    line: int
    nip: str
    period: str
    hasil_kerja: str
    perilaku: str | None = None


def rating(text: str | None) -> str | None:
    return LABELS.get(_norm(text)) if text is not None else None


def check(line: int, data: Mapping[str, Any]) -> tuple[Row | None, dict[str, list[str]]]:
    """One row -> (Row, {}) or (None, {"<line>.<field>": [messages]})."""
    errors: dict[str, list[str]] = {}
    nip = str(data.get("nip") or "").strip()
    period = str(data.get("period") or "").strip()
    value = data.get("hasil_kerja")
    problems = nip_problems(nip)
    if problems:
        errors[f"{line}.nip"] = problems
    if not PERIOD_RE.match(period):
        errors[f"{line}.period"] = [PERIOD_MESSAGE]
    code = rating(value)
    if code is None:
        errors[f"{line}.hasil_kerja"] = ["harus di_atas, sesuai atau di_bawah / must be di_atas, sesuai or di_bawah"]
    given = data.get("perilaku")
    perilaku = rating(given) if given not in (None, "") and str(given).strip() else None
    if given not in (None, "") and str(given).strip() and perilaku is None:
        errors[f"{line}.perilaku"] = ["kosong, di_atas, sesuai atau di_bawah / empty, di_atas, sesuai or di_bawah"]
    if errors or code is None:  # no code: an error is recorded above
        return None, errors
    return Row(line, nip, period, code, perilaku), {}


def parse_csv(text: str) -> tuple[list[Row], dict[str, list[str]]]:
    """Rows of a CSV with a header naming at least nip, period, hasil_kerja (``,`` or ``;``)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], {"file": ["berkas kosong / empty file"]}
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        header = [_column(h) for h in (reader.fieldnames or [])]
        missing = _missing(header, 1)
        if missing:
            return [], missing
        reader.fieldnames = header
        return check_all((reader.line_num, row) for row in reader)
    except csv.Error as exc:   # a field over the csv module's limit, a stray carriage return, ...
        return [], {"file": [f"CSV tidak dapat dibaca pada baris {reader.line_num} / unreadable CSV at line "
                             f"{reader.line_num}: {exc}"]}


NIP_AS_NUMBER = ("NIP tersimpan sebagai angka (spreadsheet hanya menyimpan 15 digit); format kolom sebagai Teks / "
                 "NIP stored as a number (a spreadsheet keeps 15 digits); format the column as Text")


def parse_xlsx(data: bytes) -> tuple[list[Row], dict[str, list[str]]]:
    """Rows of the first worksheet of an XLSX workbook, its first non-empty row the header
    (:mod:`shared.platform.spreadsheet`), checked as a CSV's are."""
    try:
        table = spreadsheet.read_xlsx(data, max_rows=MAX_ROWS)
    except spreadsheet.SpreadsheetError as exc:
        return [], {"file": [str(exc)]}
    if not table.header:
        return [], {"file": ["berkas kosong / empty file"]}
    missing = _missing([_column(h) for h in table.header], table.header_line)
    if missing:
        return [], missing
    numbered = [(line, {_column(k): v for k, v in row.items()}) for line, row in table.rows]
    rows, errors = check_all(numbered)
    for line, row in numbered:   # an 18-digit NIP typed as a number: said so, never imported with a guess
        if spreadsheet.held_as_number(str(row.get("nip", ""))):
            errors[f"{line}.nip"] = [NIP_AS_NUMBER]
    return rows, errors


def parse_file(data: bytes) -> tuple[list[Row], dict[str, list[str]]]:
    """An uploaded file's rows: an XLSX workbook (or an old .xls, refused with its reason), else
    UTF-8 CSV text."""
    if spreadsheet.is_xlsx(data) or data[:4] == spreadsheet.XLS_MAGIC:
        return parse_xlsx(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [], {"file": ["bukan teks UTF-8 / not UTF-8 text"]}
    return parse_csv(text)


def check_all(numbered: Iterable[tuple[int, Mapping[str, Any]]]) -> tuple[list[Row], dict[str, list[str]]]:
    rows: list[Row] = []
    errors: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, data in numbered:
        if len(rows) + len(errors) >= MAX_ROWS:
            errors["file"] = [f"paling banyak {MAX_ROWS} baris / at most {MAX_ROWS} rows"]
            break
        if not any((v or "").strip() if isinstance(v, str) else v for v in data.values()):
            continue  # blank line
        row, problems = check(line, data)
        if row is not None:
            key = (row.nip, row.period)
            if key in seen:
                problems = {f"{line}.nip": [f"duplikat baris {seen[key]} / duplicate of line {seen[key]}"]}
            else:
                seen[key] = line
                rows.append(row)
        errors.update(problems)
    return rows, errors
