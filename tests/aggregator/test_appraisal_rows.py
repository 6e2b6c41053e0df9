"""Checking imported hasil kerja rows: labels, periods, line numbers, duplicates."""
import pytest

from services.aggregator import appraisal_import

pytestmark = pytest.mark.unit

NIP = "199001012015011001"


@pytest.mark.parametrize("text,code", [("di_atas", "di_atas"), ("Di Atas Ekspektasi", "di_atas"),
                                       ("SESUAI", "sesuai"), ("sesuai ekspektasi", "sesuai"),
                                       ("Below expectations", "di_bawah"), ("di bawah", "di_bawah"), ("baik", None)])
def test_ratings_accept_codes_and_labels(text, code):
    assert appraisal_import.rating(text) == code


def test_csv_rows_with_semicolons_and_a_bom():
    rows, errors = appraisal_import.parse_csv(f"\ufeffNIP;Period;Hasil_Kerja\n{NIP};2026;Di Atas Ekspektasi\n")
    assert errors == {}
    assert rows == [appraisal_import.Row(2, NIP, "2026", "di_atas")]


def test_errors_name_the_line_and_the_field():
    text = (f"nip,period,hasil_kerja\n{NIP},2026,sesuai\n123,2026,sesuai\n\n"
            f"199001012015011002,2026-13,sesuai\n199001012015011003,2026-Q2,luar biasa\n{NIP},2026,di_bawah\n")
    rows, errors = appraisal_import.parse_csv(text)
    assert set(errors) == {"3.nip", "5.period", "6.hasil_kerja", "7.nip"}
    assert "duplicate of line 2" in errors["7.nip"][0]
    assert [r.line for r in rows] == [2]


def test_missing_columns_and_empty_files():
    assert appraisal_import.parse_csv("nip,hasil\n1,2\n")[1] == \
        {"1": ["kolom hilang / missing columns: period, hasil_kerja"]}
    assert "file" in appraisal_import.parse_csv("")[1]


@pytest.mark.parametrize("text", ["nip,period,hasil_kerja\n" + "x" * 200_000 + ",2026,sesuai\n", "a\rb\r\n"])
def test_an_unreadable_csv_is_an_error_of_the_file_not_a_crash(text):
    rows, errors = appraisal_import.parse_csv(text)
    assert rows == [] and list(errors) == ["file"] and "unreadable CSV at line" in errors["file"][0]
