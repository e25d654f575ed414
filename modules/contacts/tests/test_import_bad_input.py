"""Every kind of bad import input is refused with a message naming the line and column, and writes nothing."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from modules.contacts.tests.import_helpers import count, csv_bytes, run_import

pytestmark = pytest.mark.crm_modules("contacts")

HEADER = ["First name", "Last name", "E-mail", "Phone", "Tier", "Country", "Position"]
GOOD = ["Ann", "Lee", "ann@example.com", "+1 415 555 0100", "gold", "US", "CEO"]


def _file(bad: list[str]) -> bytes:
    """A good row, the bad row (line 3) and another good row."""
    other = ["Bob", "Stone", "bob@example.com", "+49 30 1234567", "silver", "DE", ""]
    return csv_bytes([HEADER, GOOD, bad, other])


@pytest.mark.parametrize(("bad", "column", "words"), [
    (["Cy", "", "cy@example.com", "", "", "", ""], "Last name", "needs a last name"),
    (["Cy", "Ray", "cy@@example", "", "", "", ""], "E-mail", "not a valid e-mail address"),
    (["Cy", "Ray", "", "12", "", "US", ""], "Phone", "phone number"),
    (["Cy", "Ray", "", "", "diamond", "", ""], "Tier", "'diamond' is not one of the choices"),
    (["Cy", "Ray", "", "", "", "", "x" * 101], "Position", "At most 100 characters"),
    (["Cy", "Ray", "", "", "", "Atlantis", ""], "Country", "'Atlantis' is not a country"),
])
def test_a_bad_row_is_reported_with_line_and_column_and_abort_writes_nothing(app, bad, column, words) -> None:
    result = run_import(app, _file(bad), on_error="abort")
    assert result.aborted and result.failed == 1
    assert [(e.line, e.column) for e in result.errors] == [(3, column)]
    assert words in result.errors[0].message
    assert count(app) == 0, "abort must write nothing, not even the good rows before the bad one"
    assert "Nothing was imported" in result.message()


def test_skip_imports_only_the_good_rows(app) -> None:
    result = run_import(app, _file(["Cy", "", "cy@example.com", "", "", "", ""]), on_error="skip")
    assert (result.created, result.failed) == (2, 1)
    assert result.errors[0].line == 3
    assert count(app) == 2


def test_several_problems_in_one_row_are_all_listed(app) -> None:
    result = run_import(app, _file(["Cy", "", "nope", "abc", "diamond", "", ""]))
    assert sorted(e.column for e in result.errors) == ["E-mail", "Last name", "Phone", "Tier"]
    assert {e.line for e in result.errors} == {3}


def test_a_row_with_more_cells_than_the_header_is_refused(app) -> None:
    result = run_import(app, csv_bytes([["First name", "Last name"], ["Ann", "Lee", "surplus"]]))
    assert result.failed == 1 and result.errors[0].line == 2
    assert "header names only 2 columns" in result.errors[0].message
    assert count(app) == 0


def test_wrong_encoding_names_the_line(app) -> None:
    data = "Vorname,Nachname\nAnn,Lee\n小明,王\n".encode("gbk")
    result = run_import(app, data, encoding="utf-8")
    assert result.error is not None and "Line 3 cannot be read as utf-8" in result.error
    assert count(app) == 0


def test_unknown_encoding_is_named(app) -> None:
    result = run_import(app, csv_bytes([["Last name"], ["Lee"]]), encoding="klingon-8")
    assert "Unknown encoding 'klingon-8'" in result.error


def test_duplicated_header(app) -> None:
    result = run_import(app, csv_bytes([["Name", "E-Mail", "e-mail"], ["Ann Lee", "a@example.com", "b@example.com"]]))
    assert result.error is not None
    assert "'e-mail' appears twice (columns 2 and 3)" in result.error
    assert count(app) == 0


def test_missing_header_first_line_is_data(app) -> None:
    result = run_import(app, csv_bytes([["Ann", "Lee", "ann@example.com"], ["Bob", "Stone", "bob@example.com"]]))
    assert result.error is not None and "None of the columns" in result.error
    assert "'ann@example.com'" in result.error
    assert count(app) == 0


def test_missing_required_column(app) -> None:
    result = run_import(app, csv_bytes([["First name", "E-mail"], ["Ann", "ann@example.com"]]))
    assert result.error is not None and "No column is mapped to Last name" in result.error
    assert count(app) == 0


def test_a_column_mapped_twice_is_refused(app) -> None:
    data = csv_bytes([["Surname", "Family"], ["Lee", "Lee"]])
    result = run_import(app, data, mapping={"Surname": "last_name", "Family": "last_name"})
    assert "both mapped to Last name" in result.error


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"])
def test_empty_file(app, data) -> None:
    result = run_import(app, data)
    assert result.error == "The file is empty."
    assert count(app) == 0


def test_header_without_rows_imports_nothing(app) -> None:
    result = run_import(app, csv_bytes([HEADER]))
    assert result.error is None and result.rows == 0 and result.created == 0


def test_a_file_over_50_mb_is_refused_before_it_is_read(app, tmp_path: Path) -> None:
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:  # sparse: 50 MB + 1 byte without writing them
        handle.truncate(50 * 1024 * 1024 + 1)
    from modules.contacts.importer import ImportOptions, import_file

    with app.app_context():
        started = time.perf_counter()
        result = import_file(big, ImportOptions())
        assert time.perf_counter() - started < 1.0
    assert result.error == "The file is larger than the limit of 50 MB. Split it into smaller files."
    assert count(app) == 0


def test_a_stream_over_the_limit_stops_one_chunk_after_it(app) -> None:
    class Endless(io.RawIOBase):
        """Yields zeros forever and counts how much was taken."""

        taken = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[override]
            size = len(buffer)
            buffer[:size] = b"\0" * size
            self.taken += size
            return size

    stream = Endless()
    from modules.contacts.importer import ImportOptions, import_file

    with app.app_context():
        result = import_file(io.BufferedReader(stream), ImportOptions(max_bytes=3 * 1024 * 1024))
    assert "limit of 3 MB" in result.error
    assert stream.taken < 6 * 1024 * 1024


def test_a_broken_xlsx_is_named(app) -> None:
    result = run_import(app, b"PK\x03\x04 not really a zip", filename="people.xlsx")
    assert result.error == "The file is not a readable XLSX workbook."


def test_old_xls_is_refused_with_advice(app) -> None:
    result = run_import(app, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="people.xls")
    assert "Save the sheet as XLSX or CSV" in result.error


def test_a_bad_row_late_in_a_big_file_still_rolls_everything_back(app) -> None:
    rows = [HEADER] + [[f"P{i}", f"Person{i}", f"p{i}@example.com", "", "", "", ""] for i in range(5000)]
    rows[4500][2] = "broken@"
    result = run_import(app, csv_bytes(rows), chunk_size=1000)
    assert result.aborted and [e.line for e in result.errors] == [4501]
    assert count(app) == 0


def test_limit_comes_from_the_configuration(make_app) -> None:
    app = make_app(("contacts",), config={"CRM_CONTACTS_IMPORT_MAX_BYTES": 100})
    result = run_import(app, csv_bytes([HEADER, GOOD, GOOD, GOOD]))
    assert result.error is not None and "limit of" in result.error
    assert os.environ.get("CRM_CONTACTS_IMPORT_MAX_BYTES") is None
