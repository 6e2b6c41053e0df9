"""Exports flatten nested indicator rows into columns; CSV and XLSX read back the same."""
import csv
import io

import pytest
from openpyxl import load_workbook

from services.aggregator.presentation import exports

pytestmark = pytest.mark.unit

ROWS = [{"unit": "A", "ikm": 86.11, "grade": {"mutu": "B"}, "nrr": {"U1": 3.5, "U2": None},
         "lowest_unsur": ["U2", "U1"]},
        {"unit": "B", "ikm": None, "grade": None, "extra": 1}]


def test_flatten_uses_dotted_columns_and_joins_lists():
    assert exports.flatten(ROWS[0]) == {"unit": "A", "ikm": 86.11, "grade.mutu": "B", "nrr.U1": 3.5, "nrr.U2": None,
                                        "lowest_unsur": "U2;U1"}


def test_csv_and_xlsx_have_the_same_table():
    parsed = list(csv.DictReader(io.StringIO(exports.to_csv(ROWS))))
    assert parsed[0]["grade.mutu"] == "B" and parsed[1]["extra"] == "1" and parsed[1]["ikm"] == ""
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(ROWS))).active
    values = list(sheet.values)
    assert list(values[0]) == list(parsed[0].keys())
    assert values[1][1] == 86.11 and values[2][0] == "B"
