"""Keyset (cursor) pagination: fast on a million rows, stable while rows are added.

A page ends at a row; the cursor remembers that row's sort value and id, and
the next page asks for rows strictly after it in the same order. The query
walks an index from that point, so page 1000 costs what page 1 costs and no
row count is needed. The cursor is opaque to clients (base64 of a small JSON
document) and carries the sort it was made for, so it cannot be replayed with
another sort.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.api.problems import ApiError
from core.i18n import gettext as _


@dataclass(frozen=True)
class Sort:
    """One sort key plus the primary key as tie-breaker."""

    name: str
    column: sa.ColumnElement[Any]
    pk: sa.ColumnElement[Any]
    descending: bool = False
    nullable: bool = False
    #: sorting by the primary key itself needs no tie-breaker
    is_pk: bool = False

    @property
    def token(self) -> str:
        return f"-{self.name}" if self.descending else self.name

    def order_by(self) -> list[Any]:
        """NULLs sort last ascending and first descending (so descending is the exact reverse)."""
        if self.is_pk:
            return [self.pk.desc() if self.descending else self.pk.asc()]
        if self.descending:
            first = self.column.desc().nulls_first() if self.nullable else self.column.desc()
            return [first, self.pk.desc()]
        first = self.column.asc().nulls_last() if self.nullable else self.column.asc()
        return [first, self.pk.asc()]

    def after(self, value: Any, pk: Any) -> sa.ColumnElement[bool]:
        """Rows strictly after (value, pk) in this order."""
        col, idc = self.column, self.pk
        if self.is_pk:
            return idc < pk if self.descending else idc > pk
        if not self.descending:
            if value is None:
                return sa.and_(col.is_(None), idc > pk)
            cond = sa.or_(col > value, sa.and_(col == value, idc > pk))
            return sa.or_(cond, col.is_(None)) if self.nullable else cond
        if value is None:
            return sa.or_(sa.and_(col.is_(None), idc < pk), col.is_not(None))
        return sa.or_(col < value, sa.and_(col == value, idc < pk))


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    return value


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, dict) and len(raw) == 1:
        ((kind, text),) = raw.items()
        if kind == "dt":
            return dt.datetime.fromisoformat(text)
        if kind == "d":
            return dt.date.fromisoformat(text)
        if kind == "n":
            return decimal.Decimal(text)
        raise ValueError(kind)
    if raw is None or isinstance(raw, str | int | float | bool):
        return raw
    raise ValueError(raw)


def encode_cursor(sort: Sort, value: Any, pk: Any) -> str:
    payload = json.dumps([sort.token, _encode_value(value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, Any]:
    """(sort value, primary key) of the row the previous page ended with; 400 when unusable."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        token, raw_value, pk = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        value = _decode_value(raw_value)
        if not isinstance(pk, int) or isinstance(pk, bool) or not -(2**63) <= pk < 2**63:
            raise ValueError(pk)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise ValueError(value)
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(value)
    except (ValueError, TypeError, UnicodeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ApiError(400, _("The cursor is not valid; start again from the first page.")) from exc
    if token != sort.token:
        raise ApiError(400, _("The cursor was made for another sort order; start again from the first page."))
    return value, pk
