"""The generic list: a module declares columns, search, filters and actions; core does the rest.

Built to stay fast at a million rows:

- rows are read as plain column tuples (only the columns on screen, plus the
  sort key and id), with declared many-to-one columns (``"company.name"``)
  joined into the same query, so a page costs one query whatever its size;
- pages are addressed by keyset cursors (``core.ui.paging``), never OFFSET;
- the total is counted only up to a cap (``SELECT count(*) FROM (SELECT ...
  LIMIT cap+1)``) and shown as "1,000+" beyond it;
- every statement starts from ``core.security.access.scope``, so search,
  paging, counts, export and bulk actions all see exactly the records the
  user's record rule allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask import session as web_session
from sqlalchemy.orm import aliased

from core.extensions import db
from core.i18n import lazy_gettext as _l
from core.ui.filters import Filter
from core.ui.paging import Page, Sort, fetch_page
from core.ui.values import Formatter, choice_map

SEARCH_MODES = ("contains", "prefix", "exact", "key")
#: longest search text taken from the URL (longer input is cut, not refused)
MAX_QUERY = 200
SESSION_KEY = "crm_list_columns"
#: a search matching more rows than this is read in the list's order and filtered row by row
#: (a page is found after a few thousand rows); fewer matches are collected through the search
#: indexes and sorted. At a million rows, collecting and sorting "a%" took a second on SQLite.
DENSE_SEARCH = 5000


@dataclass(frozen=True)
class Column:
    """A list column: a model attribute, or ``relation.attribute`` for a many-to-one.

    ``format`` receives the value and returns text; ``choices`` maps stored
    values to labels. Only own columns can be ``sortable`` (a sort across a
    join cannot use an index).
    """

    name: str
    label: Any = None
    sortable: bool = False
    visible: bool = True
    link: bool = False
    choices: Sequence[tuple[Any, Any]] | Mapping[Any, Any] | None = None
    format: Callable[[Any], str] | None = None

    @property
    def key(self) -> str:
        """Name usable as a result label and form value (dots are not)."""
        return self.name.replace(".", "__")

    @property
    def related(self) -> tuple[str, str] | None:
        return tuple(self.name.split(".", 1)) if "." in self.name else None  # type: ignore[return-value]

    def display_label(self) -> Any:
        if self.label is not None:
            return self.label
        return self.name.split(".")[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Search:
    """A searched column. ``contains`` (default) finds text anywhere (``ILIKE '%x%'``);
    ``prefix`` finds values starting with the text and can use an index made by
    ``prefix_search_index``; ``exact`` compares for equality; ``key`` is for
    columns that hold a normalised key (lower-case name, e-mail, E.164 phone):
    it finds keys starting with the normalised text, and one index made by
    ``key_search_index`` serves both that search and exact lookups (dedupe)."""

    column: str
    mode: str = "contains"
    #: turns the typed text into the column's stored form (e.g. a phone number into
    #: E.164); ``None`` from it means "this column cannot match", so it is skipped
    normalize: Callable[[str], str | None] | None = None

    def __post_init__(self) -> None:
        if self.mode not in SEARCH_MODES:
            raise ValueError(f"search mode must be one of {SEARCH_MODES}, got {self.mode!r}")


@dataclass(frozen=True)
class BulkAction:
    """An action on the rows a user ticked. ``run(records)`` changes them and
    may return how many it changed. ``permission`` defaults to
    ``<object>.<record_action>``; only records the user's rule allows for
    ``record_action`` are passed in."""

    name: str
    label: Any
    run: Callable[[list[Any]], int | None]
    permission: str | None = None
    record_action: str = "write"
    confirm: Any = None

    @classmethod
    def delete(cls, label: Any = None) -> BulkAction:
        def run(records: list[Any]) -> int:
            for record in records:
                db.session.delete(record)
            return len(records)

        return cls(
            "delete", label or _l("Delete"), run, record_action="delete",
            confirm=_l("Delete the selected records?"),
        )

    @classmethod
    def set_value(cls, name: str, label: Any, attr: str, value: Any) -> BulkAction:
        """Set one attribute on every selected record (e.g. mark as done)."""

        def run(records: list[Any]) -> int:
            for record in records:
                setattr(record, attr, value)
            return len(records)

        return cls(name, label, run)


@dataclass
class ListState:
    """What one request asked for: search text, filter values, sort, cursors."""

    q: str
    sort: Sort
    after: str | None
    before: str | None
    args: Mapping[str, Any]


@dataclass
class ListResult:
    """One rendered page: rows as formatted cells plus everything the template needs."""

    view: ListView
    state: ListState
    columns: list[Column]
    rows: list[tuple[int, list[str]]]
    page: Page
    count: int
    count_capped: bool
    #: which cell links to the record (the first ``link=True`` column, else the first)
    link_index: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class ListView:
    """A declared list of ``model`` records, checked against ``object``'s access rules."""

    def __init__(
        self,
        *,
        model: type,
        object: str,
        columns: Sequence[Column | str],
        search: Sequence[Search | str] = (),
        filters: Sequence[Filter] = (),
        default_sort: str = "-id",
        page_size: int = 50,
        count_cap: int = 1000,
        export: bool = True,
        export_permission: str | None = None,
        exports: Mapping[str, Callable[[ListView, Mapping[str, Any]], Any]] | None = None,
        bulk_actions: Sequence[BulkAction] = (),
        title: Any = None,
        template: str = "core/list.html",
    ) -> None:
        self.model = model
        self.object = object
        self.columns = [c if isinstance(c, Column) else Column(c) for c in columns]
        self.search = [s if isinstance(s, Search) else Search(s) for s in search]
        self.filters = list(filters)
        self.page_size = page_size
        self.count_cap = count_cap
        self.export = export
        #: a named permission needed on top of read to download the list (e.g. ``contacts.export``)
        self.export_permission = export_permission
        #: more download formats besides CSV/XLSX: ``{"vcf": fn}``, ``fn(view, args)`` returns the response
        #: (same route, checks and links as CSV/XLSX; e.g. contacts' vCard)
        self.exports = dict(exports or {})
        self.bulk_actions = {
            a.name: a if a.permission else _with_permission(a, f"{object}.{a.record_action}") for a in bulk_actions
        }
        self.title = title
        self.template = template
        self.sortable = tuple(c.name for c in self.columns if c.sortable)
        self.default_sort = default_sort
        self._check()
        #: one alias per joined relation, made once (building them per request is measurable)
        self._aliases = {
            c.related[0]: sa.orm.aliased(getattr(model, c.related[0]).property.mapper.class_)
            for c in self.columns
            if c.related
        }
        self._picked: dict[tuple[str, ...], tuple[list[Any], list[str]]] = {}

    # -- declaration checks (fail at start-up, naming the mistake) -------------

    def _check(self) -> None:
        where = f"ListView({self.object})"
        for col in self.columns:
            rel = col.related
            if rel:
                if col.sortable:
                    raise ValueError(f"{where}: related column '{col.name}' cannot be sortable")
                relationship = getattr(self.model, rel[0], None)
                if relationship is None or not hasattr(relationship, "property"):
                    raise ValueError(f"{where}: no relationship '{rel[0]}' on {self.model.__name__}")
                if relationship.property.uselist:
                    raise ValueError(f"{where}: column '{col.name}': only many-to-one relations can be listed")
                if not hasattr(relationship.property.mapper.class_, rel[1]):
                    raise ValueError(f"{where}: column '{col.name}': unknown attribute '{rel[1]}'")
            elif not hasattr(self.model, col.name):
                raise ValueError(f"{where}: unknown column '{col.name}' on {self.model.__name__}")
        for s in self.search:
            if not hasattr(self.model, s.column):
                raise ValueError(f"{where}: unknown search column '{s.column}'")
        seen: set[str] = set()
        for f in self.filters:
            if not hasattr(self.model, f.attr):
                raise ValueError(f"{where}: filter '{f.name}' uses unknown column '{f.attr}'")
            if seen & set(f.params):
                raise ValueError(f"{where}: filter '{f.name}' declared twice")
            seen.update(f.params)
        key = self.default_sort.lstrip("-")
        if key != "id" and key not in self.sortable:
            raise ValueError(f"{where}: default_sort '{self.default_sort}' is not a sortable column")

    # -- reading the request -----------------------------------------------------

    def state(self, args: Mapping[str, Any]) -> ListState:
        q = (args.get("q") or "").strip()[:MAX_QUERY]
        return ListState(
            q=q,
            sort=Sort.parse(args.get("sort"), self.sortable, self.default_sort),
            after=args.get("after") or None,
            before=args.get("before") or None,
            args=args,
        )

    def visible_columns(self) -> list[Column]:
        """The user's chosen columns (remembered in the session), else the declared defaults."""
        chosen = (web_session.get(SESSION_KEY) or {}).get(self.object)
        if chosen:
            cols = [c for c in self.columns if c.key in set(chosen)]
            if cols:
                return cols
        return [c for c in self.columns if c.visible]

    def choose_columns(self, keys: Iterable[str]) -> None:
        known = {c.key for c in self.columns}
        picked = [k for k in keys if k in known]
        stored = dict(web_session.get(SESSION_KEY) or {})
        if picked:
            stored[self.object] = picked
        else:
            stored.pop(self.object, None)
        web_session[SESSION_KEY] = stored

    # -- statements --------------------------------------------------------------

    def base(self, state: ListState, action: str = "read", *, walk: bool = False, part: Any = None) -> sa.Select[Any]:
        """Scoped, searched and filtered ``select(model)``; the one place conditions are added.

        ``walk``: the search matches many rows, so keep the search columns out of
        the index choice and let the database read in sort order (see ``DENSE_SEARCH``).
        ``part``: one of the search's conditions instead of all of them (``_branches``).
        """
        from core.security import access

        stmt = access.scope(sa.select(self.model), self.object, action)
        conds = []
        if state.q and self.search:
            conds.append(part if part is not None else self._search_condition(state.q, walk=walk))
        conds.extend(f.condition(self.model, state.args) for f in self.filters)
        conds = [c for c in conds if c is not None]
        return stmt.where(*conds) if conds else stmt

    def _search_condition(self, q: str, walk: bool = False) -> Any:
        return search_condition(self.model, self.search, q, walk=walk)

    def select_columns(self, stmt: sa.Select[Any], columns: Sequence[Column], sort: Sort) -> sa.Select[Any]:
        """Only what is shown: visible columns, the sort key and id, joined relations."""
        key = (sort.key, *(c.key for c in columns))
        if key not in self._picked:
            model = self.model
            picked: dict[str, Any] = {"id": model.id}  # type: ignore[attr-defined]
            if sort.key != "id":
                picked[sort.key] = getattr(model, sort.key)
            joins: list[str] = []
            for col in columns:
                rel = col.related
                if rel is None:
                    picked[col.key] = getattr(model, col.name)
                    continue
                if rel[0] not in joins:
                    joins.append(rel[0])
                picked[col.key] = getattr(self._aliases[rel[0]], rel[1])
            self._picked[key] = ([c.label(k) for k, c in picked.items()], joins)
        labelled, joins = self._picked[key]
        stmt = stmt.with_only_columns(*labelled, maintain_column_froms=True)
        for name in joins:
            alias = self._aliases[name]
            stmt = stmt.outerjoin(alias, getattr(self.model, name).of_type(alias))
        return stmt

    def capped_count(self, stmt: sa.Select[Any]) -> tuple[int, bool]:
        """Exact up to ``count_cap``; beyond it only "more than" (no full count at 1M rows)."""
        total = self.matches(stmt, self.count_cap)
        return min(total, self.count_cap), total > self.count_cap

    def matches(self, stmt: sa.Select[Any], cap: int) -> int:
        """How many rows ``stmt`` finds, counting no further than ``cap + 1``."""
        inner = stmt.with_only_columns(self.model.id).order_by(None).limit(cap + 1)  # type: ignore[attr-defined]
        return db.session.scalar(sa.select(sa.func.count()).select_from(inner.subquery())) or 0

    def _branches(self, state: ListState) -> list[sa.Select[Any]] | None:
        """PostgreSQL, a search over several columns: one statement per searched column.

        PostgreSQL answers an ``OR`` of indexed conditions with a bitmap of all the
        matches and then reads every matching table row, thousands of them for a
        common name; each branch alone is read from its index (which carries the
        sort key and id), so counting and finding a page's ids touch no table row.
        SQLite combines the indexes of an ``OR`` without that cost.
        """
        if _dialect() != "postgresql":
            return None
        parts = search_parts(self.model, self.search, state.q)
        return [self.base(state, part=part) for part in parts] if len(parts) > 1 else None

    def _branch_matches(self, branches: list[sa.Select[Any]], cap: int) -> int:
        """``matches`` over branches, reading no more than ``(cap + 1) × branches`` index entries.

        A row may match several branches, at most once in each: when the
        branches together give fewer rows than that limit, all were read and the
        distinct ids are exact; when they reach it, there are at least ``cap + 1``
        distinct ones. (``UNION`` would collect every match of every branch first.)
        """
        model_id = self.model.id  # type: ignore[attr-defined]
        limit = (cap + 1) * len(branches)
        rows = sa.union_all(*(b.with_only_columns(model_id).order_by(None) for b in branches)).limit(limit).subquery()
        distinct, read = db.session.execute(
            sa.select(sa.func.count(sa.distinct(rows.c.id)), sa.func.count()).select_from(rows)
        ).one()
        return int(distinct) if read < limit else max(int(distinct), cap + 1)

    # -- the page ----------------------------------------------------------------

    def run(self, args: Mapping[str, Any]) -> ListResult:
        state = self.state(args)
        columns = self.visible_columns()
        base = self.base(state)
        searching = bool(state.q and self.search)
        branches = self._branches(state) if searching else None
        # one counting query, also telling a search that matches many rows (read in sort order)
        cap = max(self.count_cap, DENSE_SEARCH) if searching else self.count_cap
        total = self._branch_matches(branches, cap) if branches else self.matches(base, cap)
        count, capped = min(total, self.count_cap), total > self.count_cap
        if searching and total > DENSE_SEARCH:
            base = self.base(state, walk=True)
        if searching and total <= DENSE_SEARCH:
            page = self._ids_first(base, columns, state, branches)
        else:
            stmt = self.select_columns(base, columns, state.sort)
            page = fetch_page(
                stmt, self.model, state.sort, size=self.page_size,
                after=state.after, before=state.before, fetch=_rows, dialect=_dialect(),
            )
        fmt = Formatter()
        formats = [(c.key, c.format, choice_map(c.choices)) for c in columns]
        rows = [
            (row.id, [f(getattr(row, k)) if f else fmt(getattr(row, k), ch) for k, f, ch in formats])
            for row in page.rows
        ]
        link_index = next((i for i, c in enumerate(columns) if c.link), 0)
        return ListResult(self, state, columns, rows, page, count, capped, link_index)

    def _ids_first(self, base: sa.Select[Any], columns: Sequence[Column], state: ListState,
                   branches: list[sa.Select[Any]] | None = None) -> Page:
        """A searched page in two steps: the page's ids, then their rows.

        The matches (up to ``DENSE_SEARCH``) must all be sorted to find a page;
        selecting only the sort key and id lets an index that carries them
        (``key_search_index(..., then=("updated_at", "id"))``) answer without
        reading thousands of table rows; the second query reads the page's rows.
        With ``branches`` each branch first names its own candidates for the page
        (its first page-and-one rows from the cursor, and from the start when
        paging back may fall back to the first page); the page is then chosen among
        those, so it is exactly the page of the whole search.
        """
        model, sort = self.model, state.sort
        keys = [model.id] if sort.key == "id" else [model.id, getattr(model, sort.key)]  # type: ignore[attr-defined]
        dialect = _dialect()
        stmt = base.with_only_columns(*keys)
        if branches:
            modes = [(state.after, state.before)] + ([(None, None)] if state.before else [])
            candidates: set[int] = set()
            for branch in branches:
                for after, before in modes:
                    found = fetch_page(*_collected(branch.with_only_columns(*keys), model, sort, dialect), sort,
                                       size=self.page_size + 1, after=after, before=before, fetch=_rows,
                                       dialect=dialect)
                    candidates.update(row.id for row in found.rows)
            stmt = stmt.where(model.id.in_(sorted(candidates)))  # type: ignore[attr-defined]
            page = fetch_page(stmt, model, sort, size=self.page_size,
                              after=state.after, before=state.before, fetch=_rows, dialect=dialect)
        else:
            page = fetch_page(*_collected(stmt, model, sort, dialect), sort, size=self.page_size,
                              after=state.after, before=state.before, fetch=_rows, dialect=dialect)
        if not page.rows:
            return page
        ids = [row.id for row in page.rows]
        stmt = self.select_columns(sa.select(model).where(model.id.in_(ids)), columns, sort)  # type: ignore[attr-defined]
        found = {row.id: row for row in _rows(stmt)}
        return replace(page, rows=[found[i] for i in ids if i in found])

    def iter_rows(self, args: Mapping[str, Any], columns: Sequence[Column], chunk: int = 1000) -> Iterator[Any]:
        """Every row of the filtered set in the list's order, ``chunk`` rows per query (export)."""
        state = self.state(args)
        stmt = self.select_columns(self.base(state), columns, state.sort)
        dialect = _dialect()
        after: str | None = None
        while True:
            page = fetch_page(stmt, self.model, state.sort, size=chunk, after=after, fetch=_rows, dialect=dialect)
            yield from page.rows
            if page.next_cursor is None:
                return
            after = page.next_cursor


def _collected(stmt: sa.Select[Any], model: Any, sort: Sort, dialect: str) -> tuple[sa.Select[Any], Any]:
    """``(statement, entity)`` for ``fetch_page``: PostgreSQL collects a search's matches first.

    With at most ``DENSE_SEARCH`` matches, reading them through the search index and
    sorting them is cheapest; PostgreSQL, misjudging how many a prefix matches, may
    rather walk the sort index and test row after row (22,000 rows for 2,300 matches
    of "Sarah W"). ``OFFSET 0`` keeps the inner query planned on its own. SQLite
    plans this well by itself.
    """
    if dialect != "postgresql":
        return stmt, model
    matches = aliased(model, stmt.offset(0).subquery("matches"))
    keys = [matches.id] if sort.key == "id" else [matches.id, getattr(matches, sort.key)]
    return sa.select(*keys), matches


def _rows(stmt: sa.Select[Any]) -> list[Any]:
    """Plain result rows (column tuples with attribute access): no ORM identity map to fill."""
    return list(db.session.execute(stmt).all())


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _with_permission(action: BulkAction, permission: str) -> BulkAction:
    return replace(action, permission=permission)


def search_condition(model: Any, searches: Sequence[Search], q: str, walk: bool = False) -> Any:
    """The ``WHERE`` part for text ``q`` over ``searches`` (lists and the API's ``?q=`` share it)."""
    parts = search_parts(model, searches, q, walk=walk)
    return sa.or_(*parts) if parts else sa.false()


def search_parts(model: Any, searches: Sequence[Search], q: str, walk: bool = False) -> list[Any]:
    """One condition per search that can match ``q`` (their ``OR`` is the search)."""
    dialect = _dialect()
    parts = []
    for s in searches:
        text = s.normalize(q) if s.normalize is not None else q
        if not text:
            continue
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        col = getattr(model, s.column)
        if walk and dialect == "sqlite":
            # an expression instead of the bare column: SQLite then walks the sort index
            # (PostgreSQL weighs both plans from its statistics by itself)
            col = sa.func.coalesce(col, "")
        if s.mode == "exact":
            parts.append(col == text)
        elif s.mode == "key":
            parts.append(_key_prefix(col, text, escaped, dialect))
        elif s.mode == "prefix":
            # matches the index prefix_search_index() creates on each database
            if dialect == "postgresql":
                parts.append(sa.func.lower(col).like(escaped.lower() + "%", escape="\\"))
            else:
                parts.append(col.like(escaped + "%", escape="\\"))
        else:
            parts.append(col.ilike("%" + escaped + "%", escape="\\"))
    return parts


def _key_prefix(col: Any, text: str, escaped: str, dialect: str) -> Any:
    """Keys starting with ``text``, in the form key_search_index()'s index serves.

    PostgreSQL: ``LIKE 'abc%'`` on a ``text_pattern_ops`` index (byte order, any
    collation). SQLite: the range ``>= 'abc' AND < 'abd'`` on a plain index
    (its LIKE is case-insensitive and could only use a NOCASE index, which
    exact lookups cannot use).
    """
    if dialect == "postgresql":
        return col.like(escaped + "%", escape="\\")
    if dialect == "sqlite":
        upper = _next_prefix(text)
        return sa.and_(col >= text, col < upper) if upper is not None else col >= text
    return col.like(escaped + "%", escape="\\")


def _next_prefix(text: str) -> str | None:
    """The smallest string greater than every string starting with ``text`` (None: there is none)."""
    stripped = text.rstrip(chr(0x10FFFF))
    if not stripped:
        return None
    following = ord(stripped[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters; skip to the next one
        following = 0xE000
    return stripped[:-1] + chr(following)


def key_search_index(table: str, column: str, name: str | None = None, then: Sequence[str] = (),
                     ids: bool = False) -> None:
    """In a migration: the one index a ``Search(column, "key")`` and exact lookups of the key use.

    PostgreSQL gets ``col text_pattern_ops`` (serves ``=`` and ``LIKE 'abc%'``);
    SQLite a plain index (serves ``=`` and the range a key search uses).
    ``then``: columns after the key, e.g. ``("updated_at", "id")``: a search
    sorted by them then reads the index alone to find a page's ids.
    ``ids``: PostgreSQL also keeps ``id`` in the index (``INCLUDE``), so counting a
    search's distinct matches reads the index alone (a SQLite index has the id anyway).
    """
    from alembic import op

    name = name or f"ix_{table}_{column}"
    rest = "".join(f', "{c}"' for c in then)
    if op.get_bind().dialect.name == "postgresql":
        include = _include(["id"] if ids and "id" not in then else [])
        op.execute(sa.text(f'CREATE INDEX "{name}" ON "{table}" ("{column}" text_pattern_ops{rest}){include}'))
    else:
        op.execute(sa.text(f'CREATE INDEX "{name}" ON "{table}" ("{column}"{rest})'))


def prefix_search_index(table: str, column: str, name: str | None = None, then: Sequence[str] = (),
                        ids: bool = False) -> None:
    """In a migration: the index a ``Search(column, "prefix")`` uses on this database.

    PostgreSQL gets ``lower(col) text_pattern_ops`` (case-insensitive ``LIKE 'abc%'``
    under any collation); SQLite gets ``col COLLATE NOCASE`` (its LIKE is
    case-insensitive and uses such an index). ``then`` and ``ids`` as for ``key_search_index``.
    """
    from alembic import op

    name = name or f"ix_{table}_{column}_prefix"
    rest = "".join(f', "{c}"' for c in then)
    if op.get_bind().dialect.name == "postgresql":
        # INCLUDE the column itself: PostgreSQL reads an index on lower(col) alone (an
        # index-only scan) only when col is in it too
        extra = [column] if then or ids else []
        include = _include(extra + (["id"] if ids and "id" not in then else []))
        op.execute(sa.text(
            f'CREATE INDEX "{name}" ON "{table}" (lower("{column}") text_pattern_ops{rest}){include}'
        ))
    else:
        op.execute(sa.text(f'CREATE INDEX "{name}" ON "{table}" ("{column}" COLLATE NOCASE{rest})'))


def _include(columns: Sequence[str]) -> str:
    return " INCLUDE (" + ", ".join(f'"{c}"' for c in columns) + ")" if columns else ""
