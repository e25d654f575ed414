"""Reading an import file: size limit, format, encoding, delimiter, header and rows.

Whatever the format (CSV, XLSX, vCard), the importer sees one thing: a
``Table`` with the header cells and an iterator of ``(line, cells, problem)``.
``line`` is where the row starts in the file (1 is the header of a CSV), so
every error message can name it. File-level trouble (empty, too big, wrong
encoding, duplicated header ...) raises ``ImportFileError`` with a message for
the user; nothing is imported then.

The size limit is checked before the file is read: from the file system for a
path, and while copying for an upload stream (which stops one chunk after the
limit), so a 2 GB upload never ends up in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from core.toolkit import _

#: files above this many bytes are refused (``CRM_CONTACTS_IMPORT_MAX_BYTES`` changes it)
MAX_BYTES = 50 * 1024 * 1024
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "|": "|", "comma": ",", "semicolon": ";", "tab": "\t",
              "\\t": "\t", "pipe": "|"}
FORMATS = ("csv", "xlsx", "vcard")
#: encodings offered in the upload form (any name Python knows is accepted)
ENCODINGS = ("utf-8", "gb18030", "gbk", "big5", "shift_jis", "latin-1", "cp1252", "iso-8859-15", "utf-16")
_CHUNK = 1024 * 1024
_LATIN_FAMILY = re.compile(r"^(cp125\d|latin_?1|iso8859_\d+|mac_\w+)$")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why (and where)."""


@dataclass
class Table:
    """The header and rows of an import file, however it was stored."""

    format: str
    headers: list[str]
    rows: Iterator[tuple[int, list[str], str | None]]
    #: expected number of data rows (for the progress bar; may be a little off)
    estimate: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    #: vCard: the header cells are field names already
    fixed_mapping: dict[str, str] = field(default_factory=dict)


def megabytes(limit: int) -> str:
    """``50 MB`` (or KB/bytes for small test limits)."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit / 1024:g} KB" if limit >= 1024 else f"{limit} bytes"


def too_big(limit: int) -> ImportFileError:
    return ImportFileError(_("The file is larger than the limit of %(limit)s. Split it into smaller files.",
                             limit=megabytes(limit)))


def read_limited(source: str | os.PathLike[str] | IO[bytes] | bytes, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing anything above ``limit`` before reading it all."""
    if isinstance(source, bytes):
        if len(source) > limit:
            raise too_big(limit)
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ImportFileError(_("The file %(name)s cannot be opened: %(reason)s", name=path.name,
                                    reason=exc.strerror or str(exc))) from exc
        if size > limit:
            raise too_big(limit)
        with path.open("rb") as stream:
            return read_limited(stream, limit)
    buffer = io.BytesIO()
    while chunk := source.read(_CHUNK):
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise too_big(limit)
    return buffer.getvalue()


def sniff_format(data: bytes, filename: str | None) -> str:
    """``xlsx`` (a zip file), ``vcard`` (starts with BEGIN:VCARD) or ``csv``."""
    suffix = Path(filename or "").suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or suffix == ".xls":
        raise ImportFileError(_("Old Excel files (.xls) cannot be read. Save the sheet as XLSX or CSV first."))
    if suffix == ".xlsx":
        raise ImportFileError(_("The file is not a readable XLSX workbook."))
    head = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").upper().replace(b"\x00", b"")
    if head.startswith(b"BEGIN:VCARD") or suffix in (".vcf", ".vcard"):
        return "vcard"
    return "csv"


def open_table(
    data: bytes,
    filename: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    format: str | None = None,
) -> Table:
    """The ``Table`` of ``data``; ``encoding``/``delimiter``/``format`` None means detect."""
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise ImportFileError(_("The file is empty."))
    kind = format or sniff_format(data, filename)
    if kind == "xlsx":
        return _xlsx_table(data)
    text, used = decode(data, encoding)
    if kind == "vcard":
        from modules.contacts.vcard import vcard_table

        return vcard_table(text, used)
    return _csv_table(text, used, delimiter)


# -- encodings --------------------------------------------------------------------


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name.strip()).name
    except LookupError as exc:
        raise ImportFileError(_("Unknown encoding '%(name)s'.", name=name)) from exc


def decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Text and the encoding used: the chosen one, else by BOM, UTF-8 or detection."""
    if encoding:
        codec = _codec(encoding)
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        return _strict(data, codec, chosen=True), codec
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, codec, chosen=False), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    guess = _detect(data, bad_at)
    if guess is None:
        line = data.count(b"\n", 0, bad_at) + 1
        raise ImportFileError(_("The encoding of the file could not be recognised (line %(line)d is not UTF-8). "
                                "Choose the encoding (for example GBK or Latin-1) and upload it again.", line=line))
    return _strict(data, guess, chosen=False), guess


def _detect(data: bytes, bad_at: int) -> str | None:
    """charset-normalizer's guess from the start of the file and around the first non-UTF-8 byte."""
    from charset_normalizer import from_bytes

    sample = data[:65536]
    if bad_at > 65536 - 4096:
        sample += b"\n" + data[max(0, bad_at - 32768): bad_at + 32768]
    best = from_bytes(sample).best()
    if best is None:
        return None
    codec = _codec(best.encoding)
    if _LATIN_FAMILY.match(codec):
        # one single-byte code page looks much like another; Western European is the common case
        for preferred in ("cp1252", "latin-1"):
            try:
                data.decode(preferred)
                return _codec(preferred)
            except UnicodeDecodeError:
                continue
    if codec in ("gb2312", "gbk"):
        codec = "gb18030"  # a superset: characters outside GB2312 still decode
    return codec


def _strict(data: bytes, codec: str, *, chosen: bool) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start: exc.start + 1].hex().upper()
        if chosen:
            raise ImportFileError(_(
                "Line %(line)d cannot be read as %(encoding)s (byte 0x%(byte)s at position %(column)d). "
                "Choose the file's real encoding, for example GBK or Latin-1.",
                line=line, encoding=codec, byte=byte, column=column)) from exc
        raise ImportFileError(_(
            "Line %(line)d cannot be read as %(encoding)s, the encoding the file seems to use (byte 0x%(byte)s "
            "at position %(column)d). Choose the file's encoding and upload it again.",
            line=line, encoding=codec, byte=byte, column=column)) from exc
    return text[1:] if text.startswith("\ufeff") else text


# -- CSV ---------------------------------------------------------------------------


def _delimiter(name: str) -> str:
    found = DELIMITERS.get(name) or DELIMITERS.get(name.strip().lower())
    if found is None:
        if len(name) == 1 and name not in "\"\r\n" and not name.isalnum():
            return name
        raise ImportFileError(_("'%(value)s' cannot separate columns; use a comma, semicolon, tab or |.", value=name))
    return found


def sniff_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the same number (> 1) of cells most often."""
    sample_lines = text[:65536].splitlines()[:30]
    sample = "\n".join(line for line in sample_lines if line.strip())
    best, best_score = ",", (0, 0)
    for candidate in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=candidate))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(1 for row in rows if len(row) == width), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv_table(text: str, encoding: str, delimiter: str | None) -> Table:
    sep = _delimiter(delimiter) if delimiter else sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        headers = next(reader)
        while not any(cell.strip() for cell in headers):
            headers = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise ImportFileError(_("Line %(line)d cannot be read: %(reason)s", line=reader.line_num, reason=str(exc))) from exc
    header_line = reader.line_num

    def rows() -> Iterator[tuple[int, list[str], str | None]]:
        start = header_line
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(_("Line %(line)d cannot be read: %(reason)s", line=start + 1,
                                        reason=str(exc))) from exc
            line, start = start + 1, reader.line_num
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield line, cells, None

    estimate = max(text.count("\n") - header_line + (0 if text.endswith("\n") else 1), 0)
    return Table("csv", [h.strip() for h in headers], rows(), estimate=estimate, encoding=encoding, delimiter=sep)


# -- XLSX ---------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a CSV would hold (whole numbers without '.0', ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_table(data: bytes) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
    if not book.worksheets:
        raise ImportFileError(_("The file is empty."))
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    header_line = 0
    headers: list[str] = []
    for values in cells:
        header_line += 1
        headers = [cell_text(v).strip() for v in values]
        if any(headers):
            break
    if not any(headers):
        book.close()
        raise ImportFileError(_("The file is empty."))
    while headers and not headers[-1]:
        headers.pop()

    def rows() -> Iterator[tuple[int, list[str], str | None]]:
        line = header_line
        try:
            for values in cells:
                line += 1
                texts = [cell_text(v) for v in values]
                if any(t.strip() for t in texts):
                    yield line, texts, None
        finally:
            book.close()

    estimate = max((sheet.max_row or 0) - header_line, 0)
    return Table("xlsx", headers, rows(), estimate=estimate)
