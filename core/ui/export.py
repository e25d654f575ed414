"""CSV and XLSX export of what a list shows: same search, filters, sort and record rules.

Rows are read in keyset chunks (``ListView.iter_rows``), so memory stays flat
however large the set. CSV is streamed to the browser as it is produced; XLSX
is a zip file that must be complete before it is sent, so openpyxl writes it
in write-only mode to a temporary file that is then streamed.

Values are exported as data (ISO dates, plain numbers, stored choice values),
not in the screen's locale format, so the file can be imported again. Text
that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` ...) is
defused: prefixed with ``'`` in CSV, stored as a string cell in XLSX.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, stream_with_context

from core.ui.lists import Column, ListView

FORMATS = ("csv", "xlsx")
#: an XLSX sheet holds at most 1,048,576 rows (one is the header)
XLSX_MAX_ROWS = 1_048_575
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return value


def _csv_cell(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _filename(view: ListView, fmt: str) -> str:
    return f"{view.object.replace('.', '-')}-{date.today().isoformat()}.{fmt}"


def csv_response(view: ListView, args: Mapping[str, Any], columns: Sequence[Column]) -> Response:
    """A streamed UTF-8 CSV (with BOM, so spreadsheet programs read non-Latin text right)."""
    header = ["id", *(str(c.display_label()) for c in columns)]
    keys = [c.key for c in columns]

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        yield "\ufeff" + _drain(buffer)
        for n, row in enumerate(view.iter_rows(args, columns), start=1):
            writer.writerow([row.id, *(_csv_cell(getattr(row, k)) for k in keys)])
            if n % 1000 == 0:
                yield _drain(buffer)
        yield _drain(buffer)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(view, "csv")}"'
    return response


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def xlsx_response(view: ListView, args: Mapping[str, Any], columns: Sequence[Column]) -> Response:
    """An XLSX workbook written row by row (openpyxl write-only mode) and then streamed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=view.object[:31])
    sheet.append(["id", *(str(c.display_label()) for c in columns)])
    keys = [c.key for c in columns]

    def cell(value: Any) -> Any:
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, str):
            text = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            text.data_type = "s"  # never a formula, whatever the text starts with
            return text
        return value

    for n, row in enumerate(view.iter_rows(args, columns), start=1):
        if n > XLSX_MAX_ROWS:
            break
        sheet.append([row.id, *(cell(getattr(row, k)) for k in keys)])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)

    def generate() -> Iterator[bytes]:
        try:
            while chunk := spool.read(64 * 1024):
                yield chunk
        finally:
            spool.close()

    response = Response(
        generate(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(view, "xlsx")}"'
    return response
