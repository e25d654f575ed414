"""Keyset paging: pages addressed by the last row's sort key, never by OFFSET.

``OFFSET 500000`` makes the database walk half a million rows to throw them
away; a keyset condition (``updated_at <= :v AND (updated_at < :v OR id < :id)``)
starts reading at the right place in the index, so page 10,000 costs what
page 1 costs. The id is always the tiebreaker, which keeps pages stable when
many rows share a sort value.

The cursor is the sort key name, the last value and the id, packed into an
opaque URL-safe token. A tampered token cannot reveal anything: it only moves
the starting point, and the record rules still filter every row.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

#: databases that sort NULL after every value in ascending order
_NULLS_LARGE = {"postgresql", "oracle"}


@dataclass(frozen=True)
class Sort:
    """One sort key (a column of the model) and its direction; ``id`` breaks ties."""

    key: str
    desc: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.desc else self.key

    @classmethod
    def parse(cls, text: str | None, allowed: tuple[str, ...] | list[str], default: str) -> Sort:
        """``-updated_at`` → descending; anything not in ``allowed`` falls back to ``default``."""
        for candidate in (text or "", default):
            key = candidate.lstrip("-")
            if key and (key in allowed or key == "id"):
                return cls(key, candidate.startswith("-"))
        return cls("id", True)


@dataclass
class Page:
    """Rows of one page and the cursors to its neighbours (``None``: no such page)."""

    rows: list[Any]
    next_cursor: str | None
    prev_cursor: str | None


def nulls_large(dialect_name: str) -> bool:
    return dialect_name in _NULLS_LARGE


def order_by(model: type, sort: Sort, *, reverse: bool = False) -> list[Any]:
    """``ORDER BY col, id`` in the sort's direction (flipped for a "previous" page)."""
    desc = sort.desc != reverse
    cols = [getattr(model, sort.key)] if sort.key != "id" else []
    cols.append(model.id)  # type: ignore[attr-defined]
    return [col.desc() if desc else col.asc() for col in cols]


def beyond(model: type, sort: Sort, value: Any, ident: int, *, reverse: bool, dialect: str) -> Any:
    """Rows strictly after ``(value, ident)`` when walking in the sort's order (or against it).

    Written as ``col >= v AND (col > v OR id > i)`` rather than a plain OR so the
    database gets an index range to start from. NULLs sit where the database
    puts them (last in ascending order on PostgreSQL, first on SQLite), so the
    index order and the condition agree.
    """
    desc = sort.desc != reverse
    id_col = model.id  # type: ignore[attr-defined]
    id_after = id_col < ident if desc else id_col > ident
    if sort.key == "id":
        return id_after
    col = getattr(model, sort.key)
    nullable = bool(getattr(col.property.columns[0], "nullable", True))
    nulls_last = nulls_large(dialect) != desc
    if value is None:
        if nulls_last:
            return sa.and_(col.is_(None), id_after)
        return sa.or_(col.is_not(None), sa.and_(col.is_(None), id_after))
    if desc:
        cond = sa.and_(col <= value, sa.or_(col < value, id_after))
    else:
        cond = sa.and_(col >= value, sa.or_(col > value, id_after))
    if nullable and nulls_last:
        cond = sa.or_(cond, col.is_(None))
    return cond


# -- cursors ------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(sort: Sort, row: Any) -> str:
    value = None if sort.key == "id" else getattr(row, sort.key)
    raw = json.dumps([sort.key, _plain(value), row.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _python_type(model: type, key: str) -> type | None:
    try:
        return getattr(model, key).property.columns[0].type.python_type
    except (AttributeError, NotImplementedError, IndexError):
        return None


def decode_cursor(token: str | None, model: type, sort: Sort) -> tuple[Any, int] | None:
    """``(value, id)`` from a token made for this sort; ``None`` for a missing or bad token."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key, value, ident = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if key != sort.key or not isinstance(ident, int) or isinstance(ident, bool):
        return None
    if value is None or sort.key == "id":
        return None, ident
    kind = _python_type(model, sort.key)
    try:
        if kind is datetime:
            value = datetime.fromisoformat(value)
        elif kind is date:
            value = date.fromisoformat(value)
        elif kind is Decimal:
            value = Decimal(value)
        elif kind in (int, float, str, bool) and not isinstance(value, kind):
            return None
    except (TypeError, ValueError, InvalidOperation):
        return None
    return value, ident


def fetch_page(
    stmt: sa.Select[Any],
    model: type,
    sort: Sort,
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
    fetch: Callable[[sa.Select[Any]], list[Any]],
    dialect: str,
) -> Page:
    """One page of ``stmt`` (already filtered and scoped) in keyset order.

    One query per page; a "previous" request that finds fewer rows than a page
    (rows were deleted meanwhile) shows the first page instead, so a page is
    never left half empty (one extra query in that rare case). ``fetch`` runs a
    statement and returns its rows (ORM objects or plain rows: anything with
    the sort key and ``id`` as attributes).
    """
    back = decode_cursor(before, model, sort) if before else None
    fwd = decode_cursor(after, model, sort) if after and back is None else None
    if back is not None:
        query = stmt.where(beyond(model, sort, back[0], back[1], reverse=True, dialect=dialect))
        rows = list(fetch(query.order_by(*order_by(model, sort, reverse=True)).limit(size + 1)))
        if len(rows) >= size:
            has_prev = len(rows) > size
            rows = list(reversed(rows[:size]))
            return Page(
                rows=rows,
                next_cursor=encode_cursor(sort, rows[-1]) if rows else None,
                prev_cursor=encode_cursor(sort, rows[0]) if has_prev else None,
            )
        fwd = None
    query = stmt
    if fwd is not None:
        query = query.where(beyond(model, sort, fwd[0], fwd[1], reverse=False, dialect=dialect))
    rows = list(fetch(query.order_by(*order_by(model, sort)).limit(size + 1)))
    has_next = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        next_cursor=encode_cursor(sort, rows[-1]) if has_next and rows else None,
        prev_cursor=encode_cursor(sort, rows[0]) if fwd is not None and rows else None,
    )
