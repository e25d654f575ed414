"""Declared list filters: each turns URL parameters into one SQL condition.

A module lists the filters its users need; the list page renders them (as a
plain GET form that works without JavaScript) and the same parameters drive
the export, so "export" always means "what I am looking at". A value that does
not parse is ignored rather than answered with an error: the URL is user input
and a bookmark with an old choice should still open the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

#: URL parameters the list view itself uses; a filter may not take them
RESERVED = frozenset({"q", "sort", "after", "before", "size", "format", "next"})


@dataclass(frozen=True)
class Filter:
    """Base: ``name`` is the URL parameter, ``column`` the model attribute (default: ``name``)."""

    name: str
    label: Any = None
    column: str | None = None

    #: which partial renders it (``core/_filter_<kind>.html`` is not needed: one partial switches on it)
    kind = "equals"

    def __post_init__(self) -> None:
        if self.name in RESERVED:
            raise ValueError(f"filter name '{self.name}' is reserved by the list view; choose another")

    @property
    def attr(self) -> str:
        return self.column or self.name

    @property
    def params(self) -> tuple[str, ...]:
        return (self.name,)

    def value(self, args: Mapping[str, Any]) -> Any:
        """The parsed value from the request, or ``None`` when absent or unparsable."""
        raw = args.get(self.name)
        return raw.strip() or None if isinstance(raw, str) else None

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        value = self.value(args)
        return None if value is None else getattr(model, self.attr) == value

    def display_label(self) -> Any:
        return self.label if self.label is not None else self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class EqualsFilter(Filter):
    """Exact match on free text (e.g. a reference number)."""


@dataclass(frozen=True)
class ChoiceFilter(Filter):
    """One or several values out of a fixed list (``?status=open&status=done``)."""

    choices: Sequence[tuple[Any, Any]] | Mapping[Any, Any] = field(default_factory=tuple)
    multiple: bool = False
    kind = "choice"

    def options(self) -> list[tuple[Any, Any]]:
        return list(self.choices.items()) if isinstance(self.choices, Mapping) else list(self.choices)

    def value(self, args: Mapping[str, Any]) -> Any:
        allowed = {str(key): key for key, _label in self.options()}
        getlist = getattr(args, "getlist", None)
        raws = getlist(self.name) if getlist else [args.get(self.name)]
        picked = [allowed[raw] for raw in raws if isinstance(raw, str) and raw in allowed]
        if not picked:
            return None
        return picked if self.multiple else picked[0]

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        value = self.value(args)
        if value is None:
            return None
        col = getattr(model, self.attr)
        return col.in_(value) if self.multiple else col == value


@dataclass(frozen=True)
class BoolFilter(Filter):
    """Yes / no / either (``?done=1``, ``?done=0``)."""

    kind = "bool"

    def value(self, args: Mapping[str, Any]) -> Any:
        raw = (args.get(self.name) or "").strip().lower()
        if raw in {"1", "true", "yes", "on"}:
            return True
        if raw in {"0", "false", "no", "off"}:
            return False
        return None

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        value = self.value(args)
        return None if value is None else getattr(model, self.attr).is_(value)


def _parse_date(raw: Any) -> date | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class DateRangeFilter(Filter):
    """From / to dates, both inclusive (``?due_from=2026-01-01&due_to=2026-01-31``).

    On a datetime column "to" covers the whole day, which is what a person
    picking a date means.
    """

    kind = "date_range"

    @property
    def params(self) -> tuple[str, ...]:
        return (f"{self.name}_from", f"{self.name}_to")

    def value(self, args: Mapping[str, Any]) -> Any:
        start, end = (_parse_date(args.get(p)) for p in self.params)
        return None if start is None and end is None else (start, end)

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        value = self.value(args)
        if value is None:
            return None
        start, end = value
        col = getattr(model, self.attr)
        is_datetime = _python_type(col) is datetime
        parts = []
        if start is not None:
            parts.append(col >= (datetime.combine(start, time.min) if is_datetime else start))
        if end is not None:
            if is_datetime:
                parts.append(col < datetime.combine(end + timedelta(days=1), time.min))
            else:
                parts.append(col <= end)
        return sa.and_(*parts)


@dataclass(frozen=True)
class RelatedFilter(Filter):
    """Rows pointing at one related record by id (``?company_id=42``).

    ``options`` (optional) returns ``(id, label)`` pairs for a select box; keep
    it small (e.g. the user's teams), a free id field is used otherwise.
    """

    options: Callable[[], Iterable[tuple[int, Any]]] | None = None
    kind = "related"

    def value(self, args: Mapping[str, Any]) -> Any:
        raw = args.get(self.name)
        try:
            return int(raw) if isinstance(raw, str) and raw.strip() else None
        except ValueError:
            return None

    def choices(self) -> list[tuple[int, Any]]:
        return list(self.options()) if self.options else []


def _python_type(col: Any) -> type | None:
    try:
        return col.property.columns[0].type.python_type
    except (AttributeError, NotImplementedError, IndexError):
        return None
