"""Tabular exports of indicator rows: CSV and XLSX (openpyxl). Nested values are flattened
into dotted column names (``nrr.U1``, ``grade.mutu``); lists become ``;``-joined text."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from flask import Response

FORMATS = ("json", "csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def flatten(row: Mapping, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (list, tuple, set)):
            out[name] = ";".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def table(rows: Iterable[Mapping]) -> tuple[list[str], list[dict]]:
    flat = [flatten(r) for r in rows]
    columns: list[str] = []
    for row in flat:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns, flat


def to_csv(rows: Iterable[Mapping]) -> str:
    columns, flat = table(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in flat:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def to_xlsx(rows: Iterable[Mapping], sheet: str = "indicators") -> bytes:
    from openpyxl import Workbook

    columns, flat = table(rows)
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.append(columns)
    for row in flat:
        ws.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def respond(rows: list[dict], fmt: str, name: str, meta: dict) -> Response | dict:
    """JSON body ``{**meta, "items": rows}``, or a CSV / XLSX download of the rows."""
    if fmt == "csv":
        return Response(to_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(to_xlsx(rows, name), mimetype=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return {**meta, "items": rows}
