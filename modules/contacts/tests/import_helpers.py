"""Helpers the import, duplicate and privacy tests share: files in every format, counting rows."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Flask

from core import toolkit


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    """``rows`` as CSV (quoted where needed), encoded."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count(app: Flask, model_name: str = "Contact") -> int:
    from modules.contacts import models

    model = getattr(models, model_name)
    with app.app_context():
        return toolkit.db.session.scalar(toolkit.sa.select(toolkit.sa.func.count()).select_from(model)) or 0


def contacts(app: Flask, *fields: str) -> list[tuple[Any, ...]]:
    """The contacts' ``fields`` ordered by id."""
    from modules.contacts.models import Contact

    with app.app_context():
        columns = [getattr(Contact, f) for f in fields]
        return [tuple(r) for r in toolkit.db.session.execute(toolkit.sa.select(*columns).order_by(Contact.id))]


def run_import(app: Flask, data: bytes, filename: str = "people.csv", **options: Any) -> Any:
    """``import_file`` of ``data`` in an app context, committed like the job and the command line do."""
    from modules.contacts.importer import ImportOptions, import_file

    with app.app_context():
        result = import_file(data, ImportOptions(filename=filename, commit=True, **options))
        return result


#: a file for ``add_member_fields``: one good row, then one bad custom value per row
MEMBER_ROWS = [["Last name", "Member number", "VIP since", "Segment"],
               ["Lee", "M-1", "2020-01-31", "A"],
               ["Ray", "M-1", "", "B"],          # member number used by the row above
               ["Fox", "M-2", "someday", "A"],   # not a date
               ["Kim", "M-3", "", ""]]           # required field empty


def add_member_fields(app: Flask) -> None:
    """Custom fields of contacts: a unique member number, a date and a required choice (A or B)."""
    from modules.contacts.models import CustomField

    with app.app_context():
        toolkit.db.session.add_all([
            CustomField(object="contact", key="member_no", label="Member number", type="text", unique=True),
            CustomField(object="contact", key="vip_since", label="VIP since", type="date"),
            CustomField(object="contact", key="segment", label="Segment", type="choice", required=True,
                        choices=["A", "B"]),
        ])
        toolkit.db.session.commit()
