"""The list endpoint's query: filters, search, sort and the keyset page.

Every parameter is checked against what the resource declared; a name the
resource does not declare is a 400 naming it, so a typo never silently
returns the unfiltered list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from core.api.binding import BoundResource
from core.api.paging import Sort, decode_cursor
from core.api.problems import ApiError
from core.i18n import gettext as _

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_SEARCH = 200


@dataclass
class ListQuery:
    limit: int
    sort: Sort
    after: tuple[Any, Any] | None = None
    filters: list[sa.ColumnElement[bool]] = field(default_factory=list)
    search: str = ""


def _bad(name: str, message: str) -> ApiError:
    return ApiError(400, _("Invalid query parameter '%(name)s'.", name=name), errors={name: [message]})


def storable(value: Any) -> bool:
    """Whether every database we support can take ``value`` (no NUL, no lone surrogate, 64-bit ints)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _single(args: MultiDict[str, str], name: str) -> str:
    values = args.getlist(name)
    if len(values) != 1:
        raise _bad(name, _("Give this parameter once."))
    return values[0]


def parse_sort(bound: BoundResource, raw: str | None) -> Sort:
    res = bound.resource
    token = raw or bound.pk_attr
    descending = token.startswith("-")
    name = token[1:] if descending else token
    if name == bound.pk_attr or (name == "id" and name not in bound.columns):
        return Sort(name=bound.pk_attr, column=bound.pk, pk=bound.pk, descending=descending, is_pk=True)
    if name not in res.sortable:
        allowed = ", ".join(dict.fromkeys((bound.pk_attr, *res.sortable)))
        raise ApiError(
            400,
            _("Cannot sort by '%(name)s'; sortable fields: %(allowed)s.", name=name, allowed=allowed),
            errors={"sort": [_("Unknown sort field '%(name)s'.", name=name)]},
        )
    column = bound.columns[name]
    nullable = bool(bound.column_for_attribute(column.key).nullable)  # type: ignore[union-attr]
    return Sort(name=name, column=column, pk=bound.pk, descending=descending, nullable=nullable)


def parse_limit(args: MultiDict[str, str]) -> int:
    """``limit``: 1 to ``MAX_LIMIT``, default ``DEFAULT_LIMIT``."""
    if "limit" not in args:
        return DEFAULT_LIMIT
    raw = _single(args, "limit")
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise _bad("limit", _("Give a whole number from 1 to %(max)d.", max=MAX_LIMIT))
    return int(raw)


def reject_unknown(args: MultiDict[str, str], allowed: set[str] | tuple[str, ...]) -> None:
    unknown = [name for name in args if name not in allowed]
    if unknown:
        raise ApiError(
            400,
            _("Unknown query parameter(s): %(names)s.", names=", ".join(unknown)),
            errors={name: [_("Unknown parameter; filter only by declared fields.")] for name in unknown},
        )


def parse_list_args(bound: BoundResource, args: MultiDict[str, str]) -> ListQuery:
    """Check and parse ``limit``, ``cursor``, ``sort``, ``q`` and the filters."""
    res = bound.resource
    allowed = {"limit", "cursor", "sort", *res.filterable, *(("q",) if res.searchable or res.search else ()),
               *(f"{name}_{end}" for name in res.ranges for end in ("from", "to"))}
    reject_unknown(args, allowed)
    limit = parse_limit(args)
    sort = parse_sort(bound, _single(args, "sort") if "sort" in args else None)
    query = ListQuery(limit=limit, sort=sort)
    if "cursor" in args:
        value, pk = decode_cursor(_single(args, "cursor"), sort)
        if not bound.fits(bound.pk_attr, pk) or not bound.fits(sort.column.key, value):
            raise _bad("cursor", _("The cursor is not valid; start again from the first page."))
        query.after = (value, pk)
    if "q" in args:
        text = _single(args, "q").strip()
        if len(text) > MAX_SEARCH or not storable(text):
            raise _bad("q", _("Search for at most %(max)d ordinary characters.", max=MAX_SEARCH))
        query.search = text
    for name in res.filterable:
        if name not in args:
            continue
        raw = _single(args, name)
        try:
            value = bound.fields[name].deserialize(raw)
        except ma.ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
            raise _bad(name, "; ".join(str(m) for m in messages)) from exc
        if not storable(value) or not bound.fits(name, value):
            raise _bad(name, _("The value is out of range or contains characters that cannot be stored."))
        column = bound.columns[name]
        query.filters.append(column.is_(None) if value is None else column == value)
    for name in res.ranges:
        for end in ("from", "to"):
            param = f"{name}_{end}"
            if param not in args:
                continue
            try:
                value = bound.fields[name].deserialize(_single(args, param))
            except ma.ValidationError as exc:
                messages = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
                raise _bad(param, "; ".join(str(m) for m in messages)) from exc
            if value is None or not storable(value) or not bound.fits(name, value):
                raise _bad(param, _("The value is out of range or contains characters that cannot be stored."))
            column = bound.columns[name]
            query.filters.append(column >= value if end == "from" else column <= value)
    return query


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def build_statement(bound: BoundResource, query: ListQuery, scoped: sa.Select[Any]) -> sa.Select[Any]:
    """``scoped`` is ``select(model)`` already limited by the user's record rule."""
    stmt = scoped
    for condition in query.filters:
        stmt = stmt.where(condition)
    if query.search and bound.resource.search:
        from core.ui.lists import search_condition

        stmt = stmt.where(search_condition(bound.resource.model, bound.resource.search, query.search))
    elif query.search:
        pattern = _like_pattern(query.search)
        stmt = stmt.where(
            sa.or_(*(bound.columns[name].ilike(pattern, escape="\\") for name in bound.resource.searchable))
        )
    if query.after is not None:
        stmt = stmt.where(query.sort.after(*query.after))
    stmt = stmt.order_by(*query.sort.order_by()).limit(query.limit + 1)
    if bound.eager:
        stmt = stmt.options(*bound.eager)
    return stmt
