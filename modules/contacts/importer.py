"""Importing contacts from CSV, XLSX or vCard: ``import_file(path_or_stream, options) -> ImportResult``.

One pass over the file, in chunks of ``chunk_size`` rows:

1. every row is checked by ``import_fields.RowChecker`` (the schema's rules,
   precompiled per column); bad rows become ``RowError(line, column, message)``;
2. good rows are matched against existing contacts, normalised e-mail first,
   then E.164 phone, with one query per key kind and chunk (run one chunk
   ahead on a connection of the importer's own; what the import itself wrote
   is added from memory, see ``_Run._matches``), and handled by the dedupe
   policy: ``skip`` them, ``update`` the match (only the columns the file
   fills), or ``create`` a new contact anyway; rows repeating an earlier row of
   the same file count as duplicates of it;
3. new contacts are written with one ``executemany`` INSERT per chunk, updates
   with one ``executemany`` UPDATE per set of columns, companies (by name) and
   tags with a query or two per chunk.

All writes happen inside a SAVEPOINT with per-row audit off: ``on_error="abort"``
rolls everything back as soon as the file holds one bad row (and keeps checking,
so the report lists every problem), ``on_error="skip"`` writes the good rows.
A successful import leaves one audit entry saying what it did. ``import_file``
never commits unless ``options.commit`` says so: the background job commits
together with its "done" state, the command line commits itself.

Rows bypass the ORM, so the model's mapper listeners (keys, events) do not
run; the normalised keys are filled here, with the same results.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import gc
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from flask import current_app

from core import toolkit
from core.toolkit import _, db, sa
from modules.contacts import import_fork
from modules.contacts.import_checks import fast_name_key
from modules.contacts.import_fields import (
    TARGETS,
    Cell,
    Limits,
    MappingError,
    RowChecker,
    RowValues,
    check_headers,
    check_mapping,
    label,
    suggest_mapping,
)
from modules.contacts.import_read import MAX_BYTES, ImportFileError, Table, open_table, read_limited

ON_ERROR = ("abort", "skip")
DEDUPE = ("skip", "update", "create")
CHUNK = 2000
#: files of this many rows (estimated) or more are checked in a forked process (import_fork)
FORK_FROM_ROWS = 10_000
#: errors kept in a result (the count goes on); the CSV report holds these
MAX_ERRORS = 100_000
OBJECT = "contacts.contact"

Source = str | Path | IO[bytes] | bytes
#: a chunk's matches as the helper thread looked them up: (key -> match, e-mail keys, phone keys)
LookedUp = tuple[dict[str, dict[str, Any]], set[str], set[str]]


@dataclass
class ImportOptions:
    """How to import. ``mapping`` maps file headers to fields (None: suggested from the headers)."""

    dry_run: bool = False
    on_error: str = "abort"
    dedupe: str = "skip"
    encoding: str | None = None
    delimiter: str | None = None
    mapping: dict[str, str] | None = None
    #: owner of new contacts (default: the importing user)
    owner_id: int | None = None
    #: who imports: record rules decide which matches they may update; None is the system (command line)
    user_id: int | None = None
    filename: str | None = None
    max_bytes: int | None = None
    chunk_size: int = CHUNK
    commit: bool = False
    progress: Callable[..., Any] | None = None


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    filename: str = ""
    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    dry_run: bool = False
    on_error: str = "abort"
    dedupe: str = "skip"
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    companies_created: int = 0
    #: nothing was written because of bad rows (``on_error="abort"``)
    aborted: bool = False
    #: the file as a whole could not be imported (nothing was written)
    error: str | None = None
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Nothing went wrong: no file error, no bad row."""
        return self.error is None and self.failed == 0

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def summary(self, max_errors: int = 50) -> dict[str, Any]:
        """JSON-ready: the counts and the first ``max_errors`` errors (a job's result)."""
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors[:max_errors]]
        data["errors_total"] = len(self.errors)
        data["rows_per_s"] = round(self.rows_per_s)
        data["seconds"] = round(self.seconds, 3)
        data["ok"] = self.ok
        return data

    def errors_csv(self) -> str:
        """The per-row error report: line, column, message."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["line", "column", "message"])
        if self.error:
            writer.writerow(["", "", self.error])
        for error in self.errors:
            writer.writerow([error.line, error.column, _defused(error.message)])
        return buffer.getvalue()

    def message(self) -> str:
        """One sentence for the user."""
        if self.error:
            return _("Nothing was imported: %(reason)s", reason=self.error)
        if self.aborted:
            return _("Nothing was imported: %(num)d row(s) have errors. Fix them, or import with "
                     "'skip rows with errors'.", num=self.failed)
        if self.dry_run:
            return _("Dry run: %(created)d contact(s) would be created, %(updated)d updated, %(skipped)d duplicate(s) "
                     "skipped, %(failed)d row(s) have errors. Nothing was written.", created=self.created,
                     updated=self.updated, skipped=self.skipped, failed=self.failed)
        return _("%(created)d contact(s) created, %(updated)d updated, %(skipped)d duplicate(s) skipped, "
                 "%(failed)d row(s) with errors left out.", created=self.created, updated=self.updated,
                 skipped=self.skipped, failed=self.failed)


def _defused(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def max_bytes() -> int:
    return int(current_app.config.get("CRM_CONTACTS_IMPORT_MAX_BYTES", MAX_BYTES))


def _filename(source: Source, given: str | None) -> str:
    if given:
        return given
    if isinstance(source, (str, Path)):
        return Path(source).name
    return str(getattr(source, "name", "") or "")


# -- the columns of a file -----------------------------------------------------------------


@dataclass
class Plan:
    """Which file column fills which field."""

    cells: list[Cell]
    mapping: dict[str, str]


def custom_definitions() -> list[Any]:
    from modules.contacts import custom_fields

    return custom_fields.definitions("contact")


def known_targets() -> list[str]:
    return [*TARGETS, *(f"custom.{d.key}" for d in custom_definitions())]


def plan_columns(table: Table, mapping: dict[str, str] | None) -> Plan:
    """Check the header and the mapping; ``MappingError`` says what is wrong."""
    check_headers(table.headers)
    if table.fixed_mapping:
        mapping = dict(table.fixed_mapping)
    elif mapping is None:
        mapping = suggest_mapping(table.headers, [(d.key, d.label) for d in custom_definitions()])
    by_index = check_mapping(table.headers, mapping, known_targets())
    cells = [Cell(index, target, table.headers[index] or f"#{index + 1}") for index, target in by_index.items()]
    return Plan(cells, mapping)


def make_checker(plan: Plan) -> RowChecker:
    custom = [c for c in plan.cells if c.target.startswith("custom.")]
    check = None
    if custom:
        from modules.contacts import custom_fields

        def check(values: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
            clean, errors = custom_fields.validate("contact", values, partial=True, check_unique=False)
            return clean, [(key, messages[0]) for key, messages in errors.items()]

    return RowChecker(plan.cells, Limits.from_schema(), custom_check=check)


# -- preview ----------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    cells: list[str]
    problems: list[tuple[str, str]]
    #: "new", "duplicate" (of an existing contact) or "" (has problems)
    outcome: str = ""
    match_id: int | None = None


@dataclass
class Preview:
    """The first rows of a file as the import would see them, with the mapping it would use."""

    format: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    fixed: bool = False
    rows: list[PreviewRow] = field(default_factory=list)
    estimate: int = 0
    #: the file cannot be read
    error: str | None = None
    #: the mapping cannot work (the page still shows the columns to fix it)
    mapping_error: str | None = None


def preview(source: Source, options: ImportOptions | None = None, rows: int = 20) -> Preview:
    """Read the header and the first ``rows`` rows, check them and look for existing duplicates."""
    opts = options or ImportOptions()
    result = Preview()
    try:
        data = read_limited(source, opts.max_bytes or max_bytes())
        table = open_table(data, _filename(source, opts.filename), encoding=opts.encoding, delimiter=opts.delimiter)
        result.format, result.encoding, result.delimiter = table.format, table.encoding, table.delimiter
        result.headers, result.estimate, result.fixed = table.headers, table.estimate, bool(table.fixed_mapping)
        first = []
        for item in table.rows:
            first.append(item)
            if len(first) >= rows:
                break
    except ImportFileError as exc:
        result.error = str(exc)
        return result
    result.rows = [PreviewRow(line, cells, [("", problem)] if problem else []) for line, cells, problem in first]
    try:
        plan = plan_columns(table, opts.mapping)
    except MappingError as exc:
        result.mapping = dict(table.fixed_mapping) or (opts.mapping if opts.mapping is not None else
                                                      suggest_mapping(table.headers, [(d.key, d.label)
                                                                                      for d in custom_definitions()]))
        result.mapping_error = str(exc)
        return result
    result.mapping = plan.mapping
    checker = make_checker(plan)
    checked: list[tuple[PreviewRow, RowValues]] = []
    for row in result.rows:
        if row.problems:
            continue
        values, problems = checker.check(row.cells)
        if values is None:
            row.problems = problems
        else:
            checked.append((row, values))
    keys = {k for _r, v in checked for k in (v.values.get("email_key"), v.values.get("phone_key")) if k}
    found = _existing(keys) if keys else {}
    for row, values in checked:
        match = next((found[k] for k in (values.values.get("email_key"), values.values.get("phone_key"))
                      if k and k in found), None)
        row.outcome, row.match_id = ("duplicate", match) if match is not None else ("new", None)
    return result


def _existing(keys: set[str]) -> dict[str, int]:
    from modules.contacts.models import Contact

    found: dict[str, int] = {}
    for column in (Contact.email_key, Contact.phone_key):
        stmt = sa.select(column, Contact.id).where(_one_of(column, sorted(keys))).order_by(Contact.id)
        for key, ident in db.session.execute(stmt):
            found.setdefault(key, ident)
    return found


# -- running ----------------------------------------------------------------------------------


def import_file(source: Source, options: ImportOptions | None = None) -> ImportResult:
    """Import ``source`` (a path, a binary stream or bytes) as ``options`` say; see the module docstring."""
    opts = options or ImportOptions()
    result = ImportResult(filename=_filename(source, opts.filename), dry_run=opts.dry_run,
                          on_error=opts.on_error, dedupe=opts.dedupe)
    started = time.perf_counter()
    try:
        if opts.on_error not in ON_ERROR:
            raise ImportFileError(_("--on-error must be one of: %(choices)s.", choices=", ".join(ON_ERROR)))
        if opts.dedupe not in DEDUPE:
            raise ImportFileError(_("--dedupe must be one of: %(choices)s.", choices=", ".join(DEDUPE)))
        data = read_limited(source, opts.max_bytes or max_bytes())
        table = open_table(data, result.filename, encoding=opts.encoding, delimiter=opts.delimiter)
        del data
        result.format, result.encoding, result.delimiter = table.format, table.encoding, table.delimiter
        plan = plan_columns(table, opts.mapping)
        _Run(table, plan, opts, result).run()
    except (ImportFileError, MappingError) as exc:
        result.error = str(exc)
    result.seconds = time.perf_counter() - started
    if opts.commit:
        db.session.commit()
    return result


def _settle_language() -> None:
    """Choose the language of this context's messages and load them, now (Flask-Babel keeps both on the context)."""
    from flask_babel import get_locale, get_translations

    get_locale()
    get_translations()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the rows go in (process-wide; restored after).

    Each chunk makes tens of thousands of dicts, lists and tuples that live until
    the chunk is written; every 700 new ones set off a collection, and the older
    generations' passes walk the whole heap of a server process. Measured on a
    100,000-row file into a million people: about 20% of the import's time. The
    import itself leaves a few thousand objects in reference cycles per 100,000
    rows; the collector frees them once it is back on.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextlib.contextmanager
def _sqlite_cache() -> Iterator[None]:
    """A bigger page cache while importing into SQLite.

    Each new contact goes into a dozen indexes at random places; with
    SQLite's default 2 MB cache most of those pages are read again from the
    file. ``CRM_CONTACTS_IMPORT_SQLITE_CACHE_MB`` (default 128) is used for
    the import only; the connection gets its old size back afterwards.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    size_mb = int(current_app.config.get("CRM_CONTACTS_IMPORT_SQLITE_CACHE_MB", 128))
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{size_mb * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


#: joins the keys of one lookup on PostgreSQL (no e-mail address or phone number holds it)
_SEPARATOR = "\x1f"


def _lookup_engine() -> sa.Engine | None:
    """The engine for the helper thread's lookups: a database a second connection sees
    (not SQLite in memory, where each connection is a database of its own)."""
    engine = db.engine
    if engine.dialect.name not in ("sqlite", "postgresql"):
        return None
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return None
    return engine


def _one_of(column: Any, values: list[str], dialect: str | None = None) -> Any:
    """``column IN (...)`` with one parameter instead of thousands to compile and plan.

    PostgreSQL: ``= ANY(array)``; SQLite: ``IN (SELECT value FROM json_each(?))``
    (its index is still probed once per value); others: a plain ``IN`` list.
    """
    dialect = dialect or db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        if not any(_SEPARATOR in value for value in values):
            # one string split by the server: the driver turns a list of 2,000 strings into
            # an array literal slowly (half a second of the 100,000-row import)
            joined = sa.literal(_SEPARATOR.join(values), sa.Text)
            return column == sa.any_(sa.func.string_to_array(joined, sa.literal(_SEPARATOR, sa.Text),
                                                             type_=ARRAY(sa.Text)))
        return column == sa.any_(sa.literal(values, ARRAY(sa.String)))
    if dialect == "sqlite":
        each = sa.func.json_each(sa.literal(json.dumps(values, ensure_ascii=False), sa.String)).table_valued("value")
        return column.in_(sa.select(each.c.value))
    return column.in_(values)


def _keys(rows: Iterable[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """The e-mail keys and the phone keys of rows' values (each is looked up in its own column)."""
    emails: set[str] = set()
    phones: set[str] = set()
    for values in rows:
        email, phone = values.get("email_key"), values.get("phone_key")
        if email:
            emails.add(email)
        if phone:
            phones.add(phone)
    return emails, phones


def _merge(into: RowValues, row: RowValues) -> None:
    """A later row about the same person: its filled columns (and company) win, tags add up."""
    into.values.update(row.values)
    into.ready = None
    into.values["completeness"] = None  # the union of both rows: scored by contacts.refresh_completeness
    into.tags.extend(t for t in row.tags if t not in into.tags)
    into.company = row.company or into.company


def chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Run:
    """One import: the state that lives from the first chunk to the last."""

    def __init__(self, table: Table, plan: Plan, opts: ImportOptions, result: ImportResult) -> None:
        from modules.contacts.models import Company, Contact

        self.table, self.plan, self.opts, self.result = table, plan, opts, result
        self.contact_table = Contact.__table__
        self.company_table = Company.__table__
        self.checker = make_checker(plan)
        self.width = len(table.headers)
        self.user = db.session.get(toolkit.User, opts.user_id) if opts.user_id is not None else None
        owner_id = opts.owner_id if opts.owner_id is not None else opts.user_id
        owner = db.session.get(toolkit.User, owner_id) if owner_id is not None else None
        self.owner_id = owner.id if owner is not None else None
        self.department_id = owner.department_id if owner is not None else None
        self.now = toolkit.utcnow()
        self.stopped = False
        #: dry run: keys "created" so far (nothing is in the database to find them)
        self.seen: set[str] = set()
        self.unique_seen: dict[str, dict[Any, int]] = {}
        self.required_custom = [d for d in custom_definitions() if d.required and d.type != "boolean"]
        self.unique_custom = [d for d in custom_definitions() if d.unique
                              and any(c.target == f"custom.{d.key}" for c in plan.cells)]
        self.may_create_company = self.user is None or toolkit.can("contacts.company.create", self.user)
        self.company_ids: dict[str, int | None] = {}
        self.tag_ids: dict[str, int] = {}
        self._contact_defaults = self._defaults(self.contact_table)
        #: writes the new contacts; it also prepares each checked row for the driver
        self._writer: Any = None
        if not opts.dry_run:
            from modules.contacts.import_write import BulkInsert

            self._writer = BulkInsert(self.contact_table, self._contact_defaults)
        from modules.contacts.reports import row_completeness

        self.score = row_completeness(Contact)
        #: new people are written on this thread while the next chunk is prepared (not in a dry run)
        self._write_pool: ThreadPoolExecutor | None = None
        #: what this import wrote, for the lookups of later chunks (see ``_matches``): key -> the
        #: lowest id among the import's new or updated contacts that have it; the match columns of
        #: contacts it updated, and the values of those it created (``dedupe="update"`` only);
        #: ids whose e-mail or phone key an update changed
        self.holders: dict[str, int] = {}
        self.current: dict[int, dict[str, Any]] = {}
        self.created_values: dict[int, dict[str, Any]] = {}
        self.rekeyed: set[int] = set()
        #: the helper thread's own connection for those lookups (a file database, not a dry run)
        self.lookup_engine = _lookup_engine() if opts.dedupe != "create" and not opts.dry_run else None
        self._lookup_conn: sa.Connection | None = None

    # -- the outer loop -------------------------------------------------------------------------

    def run(self) -> None:
        session = db.session
        if self.opts.dry_run:
            self._loop()
            return
        savepoint = session.begin_nested()
        try:
            with toolkit.audit_disabled(), _sqlite_cache():
                self._loop()
        except BaseException:
            savepoint.rollback()
            self._nothing_written()
            raise
        if self.stopped or self.result.error is not None:
            savepoint.rollback()
            self._nothing_written()
            self.result.aborted = self.stopped
            return
        if self.result.created or self.result.updated:
            toolkit.audit_log(OBJECT, None, "import", {
                "file": [None, self.result.filename], "created": [None, self.result.created],
                "updated": [None, self.result.updated], "skipped": [None, self.result.skipped],
                "failed": [None, self.result.failed],
            })
            toolkit.publish("contact.imported", {
                "file": self.result.filename, "created": self.result.created, "updated": self.result.updated,
            }, module="contacts")
            from modules.contacts.duplicates import forget_count

            forget_count()
        savepoint.commit()

    def _nothing_written(self) -> None:
        self.result.created = self.result.updated = self.result.companies_created = 0

    def _loop(self) -> None:
        """Read, check and look up chunk n+1 on a helper thread while chunk n is written.

        Checking is Python (phone and e-mail parsing); writing and looking up
        mostly wait in the database driver, which lets other threads run.
        Overlapping them took a 100,000-row import into a million customers
        from 14 s to 10 s (checks), and from 6.2 s to 5.0 s (lookups). The
        thread only computes values, messages and what the database holds;
        every decision and all bookkeeping stay on this thread, in file order.
        A file of ``FORK_FROM_ROWS`` rows or more is read and checked in a
        forked process instead (``import_fork``), so that checking does not
        take turns at the GIL with writing; the helper thread receives its
        chunks and looks them up.
        """
        estimate = max(self.table.estimate, 1)
        progress = self.opts.progress
        batches = chunks(self.table.rows, max(self.opts.chunk_size, 1))
        forked = None
        if import_fork.available() and self.table.estimate >= FORK_FROM_ROWS:
            # before the threads below start: the child is a copy of this thread only; it finds
            # the language of its messages settled (choosing it may ask the database for the user)
            _settle_language()
            with contextlib.suppress(OSError):  # no child to be had: check on the thread
                forked = import_fork.ForkedChunks(lambda: map(self._checked_chunk, batches))

        def checked_chunks() -> Any:
            if forked is not None:
                return forked.next()
            batch = next(batches, None)
            return None if batch is None else self._checked_chunk(batch)

        with _collector_paused(), \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="contacts-import-check") as pool, \
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="contacts-import-write") as writes:
            self._write_pool = None if self.opts.dry_run else writes
            try:
                ahead = self._check_ahead(pool, checked_chunks)
                while True:
                    shape, checked, looked_up = ahead.result()
                    if shape is None:
                        break
                    ahead = self._check_ahead(pool, checked_chunks)
                    good = self._check(shape, checked)
                    if not self.stopped:
                        self._apply(good, looked_up)
                    if progress is not None:
                        done = self.result.rows
                        progress(min(99, done * 100 // estimate), _("%(num)d rows read", num=done))
            finally:
                try:
                    self._wait_writes()
                finally:
                    self._write_pool = None
                    pool.submit(self._close_lookups).result()
                    if forked is not None:
                        forked.close()
        if progress is not None:
            progress(100, self.result.message())

    def _wait_writes(self) -> None:
        """Until the chunk written on the writer thread is in."""
        if self._writer is not None:
            self._writer.wait()

    def _session(self) -> Any:
        """The session, once the writer thread is done with its connection: every query of
        the import after the first write goes through here."""
        self._wait_writes()
        return db.session

    def _close_lookups(self) -> None:
        if self._lookup_conn is not None:
            self._lookup_conn.close()
            self._lookup_conn = None

    # -- checking -------------------------------------------------------------------------------

    def _check_ahead(self, pool: ThreadPoolExecutor, checked_chunks: Callable[[], Any]) -> Future[Any]:
        """The next chunk, checked and looked up on the helper thread: ``(shape, checked, found)``.

        ``checked_chunks()`` gives ``_checked_chunk`` of the next chunk, None at the end; only
        that thread calls it, one chunk at a time (the next is asked for after this
        one's result is taken); at the end the result is ``(None, None, None)``.
        """
        def check_and_look_up() -> tuple[list[Any] | None, list[Any] | None, LookedUp | None]:
            chunk = checked_chunks()
            if chunk is None:
                return None, None, None
            shape, checked = chunk
            looked_up = None
            if self.lookup_engine is not None:
                emails, phones = _keys(outcome[0].values for outcome in checked
                                       if outcome is not None and outcome[0] is not None)
                if self._lookup_conn is None:
                    self._lookup_conn = self.lookup_engine.connect()
                looked_up = self._lookup(self._lookup_conn, emails, phones), emails, phones
                self._lookup_conn.rollback()  # no snapshot held open between chunks
            return shape, checked, looked_up

        # the thread sees this thread's app and request context (the language of the messages)
        return pool.submit(contextvars.copy_context().run, check_and_look_up)

    def _checked_chunk(self, batch: list[tuple[int, list[str], str | None]]) -> tuple[list[Any], list[Any]]:
        """``(shape, checked)`` of a chunk of the file's rows: ``(line, cells, problem)`` of
        each row, and ``check(raw)`` of each that has no problem of its shape (None for the others).

        A good row is also scored (``completeness``) as the model's listener would
        score it, so new people need no later UPDATE; a row with a company counts
        its ``company_id`` as filled (the row fails if the company cannot be found).
        A row without a company is also made ``ready`` for the driver, in case it
        becomes a new contact as it is. Runs on the helper thread or in the forked
        process: it uses nothing but the checker, the defaults and the writer's ``prepare``.
        """
        check = self.checker.check
        width = self.width
        score = self.score
        base = self._contact_defaults
        with_company = {**base, "company_id": 0}
        prepare = self._writer.prepare if self._writer is not None else None
        checked = [None if problem is not None or (len(raw) > width and any(cell.strip() for cell in raw[width:]))
                   else check(raw) for _line, raw, problem in batch]
        for outcome in checked:
            if outcome is not None and outcome[0] is not None:
                row = outcome[0]
                if row.company:
                    row.values["completeness"] = score(row.values, with_company)
                else:
                    row.values["completeness"] = score(row.values, base)
                    if prepare is not None:
                        row.ready = prepare(row.values)
        return [(line, len(raw), problem) for line, raw, problem in batch], checked

    def _bad(self, line: int, problems: list[tuple[str, str]]) -> None:
        self.result.failed += 1
        room = MAX_ERRORS - len(self.result.errors)
        for column, message in problems[:max(room, 0)]:
            self.result.errors.append(RowError(line, column, message))
        if self.opts.on_error == "abort" and not self.opts.dry_run:
            self.stopped = True

    def _check(self, shape: list[tuple[int, int, str | None]], checked: list[Any]) -> list[tuple[int, RowValues]]:
        good: list[tuple[int, RowValues]] = []
        width = self.width
        for (line, cells, problem), outcome in zip(shape, checked, strict=True):
            self.result.rows += 1
            if problem is not None:
                self._bad(line, [("", problem)])
                continue
            if outcome is None:
                self._bad(line, [("", _("This row has %(cells)d cells, but the header names only %(columns)d "
                                        "columns.", cells=cells, columns=width))])
                continue
            values, problems = outcome
            if values is None:
                self._bad(line, problems)
                continue
            good.append((line, values))
        return good

    # -- deciding and writing ------------------------------------------------------------------

    def _apply(self, good: list[tuple[int, RowValues]], looked_up: LookedUp | None) -> None:
        if not good:
            return
        dedupe = self.opts.dedupe
        matches = self._matches(good, looked_up) if dedupe != "create" else {}
        writable = self._writable(matches) if dedupe == "update" else set()
        creates: list[tuple[int, RowValues]] = []
        updates: dict[int, tuple[int, RowValues]] = {}
        pending: dict[str, int] = {}  # key -> index in creates (rows of this chunk)
        outcome: dict[int, str] = {}  # line -> "create", "update" or "skip"
        problems: list[tuple[int, list[tuple[str, str]]]] = []
        seen = self.seen
        for line, row in good:
            keys = [k for k in (row.values.get("email_key"), row.values.get("phone_key")) if k]
            if dedupe == "create":
                creates.append((line, row))
                outcome[line] = "create"
                continue
            found = earlier = None
            for key in keys:
                found = found if found is not None else matches.get(key)
                earlier = earlier if earlier is not None else pending.get(key)
            if found is not None:
                if dedupe == "skip":
                    outcome[line] = "skip"
                elif found["id"] not in writable:
                    problems.append((line, [(self._key_column(row, matches), _(
                        "A contact with this e-mail address or phone number already exists (#%(id)d), and you "
                        "may not change it.", id=found["id"]))]))
                elif found["id"] in updates:
                    _merge(updates[found["id"]][1], row)
                    outcome[line] = "update"
                else:
                    updates[found["id"]] = (line, row)
                    outcome[line] = "update"
            elif earlier is not None or (seen and any(k in seen for k in keys)):
                if dedupe == "update" and earlier is not None:
                    _merge(creates[earlier][1], row)
                outcome[line] = dedupe
            else:
                for key in keys:
                    pending[key] = len(creates)
                    if self.opts.dry_run:
                        self.seen.add(key)
                creates.append((line, row))
                outcome[line] = "create"
        problems.extend(self._custom_problems(creates, updates))
        problems.extend(self._resolve_companies([*creates, *updates.values()]))
        if problems:
            bad_lines = {line for line, _p in problems}
            for line, found_problems in sorted(problems):
                self._bad(line, found_problems)
                outcome.pop(line, None)
            creates = [(line, row) for line, row in creates if line not in bad_lines]
            updates = {i: (line, row) for i, (line, row) in updates.items() if line not in bad_lines}
        for kind in outcome.values():
            if kind == "create":
                self.result.created += 1
            elif kind == "update":
                self.result.updated += 1
            else:
                self.result.skipped += 1
        if self.stopped or self.opts.dry_run:
            return
        ids = self._insert(creates)
        self._remember_created(ids, creates)
        self._update(updates, matches)
        self._tag([(contact_id, row.tags) for contact_id, (_l, row) in zip(ids, creates, strict=True) if row.tags]
                  + [(contact_id, row.tags) for contact_id, (_l, row) in updates.items() if row.tags])

    def _key_column(self, row: RowValues, matches: dict[str, dict[str, Any]]) -> str:
        if row.values.get("email_key") in matches:
            return self.checker.header("email")
        return self.checker.header("phone") if "phone" in self.checker.by_target else self.checker.header("mobile")

    def _wanted(self) -> list[str]:
        return ["id"] if self.opts.dedupe == "skip" else [
            "id", "version", "first_name", "last_name", "email", "phone", "mobile", "country", "custom",
            "email_key", "phone_key"]

    def _lookup(self, connection: sa.Connection, emails: set[str], phones: set[str]) -> dict[str, dict[str, Any]]:
        """key -> the oldest contact with that e-mail key (of ``emails``) or phone key (of ``phones``),
        as ``connection`` sees them."""
        table = self.contact_table
        found: dict[str, dict[str, Any]] = {}
        wanted = self._wanted()
        columns = [table.c[name] for name in wanted]
        dialect = connection.dialect.name
        for key_name, keys in (("email_key", emails), ("phone_key", phones)):
            if not keys:
                continue
            column = table.c[key_name]
            stmt = sa.select(column, *columns).where(_one_of(column, sorted(keys), dialect)).order_by(table.c.id)
            for record in connection.execute(stmt):
                found.setdefault(record[0], dict(zip(wanted, record[1:], strict=True)))
        return found

    def _matches(self, good: list[tuple[int, RowValues]], looked_up: LookedUp | None) -> dict[str, dict[str, Any]]:
        """key -> the oldest contact that has the e-mail or phone key now.

        ``looked_up`` is ``(found, e-mail keys, phone keys)`` of the chunk's good rows;
        ``found`` was looked up by the helper thread on a connection of its own
        (while this thread wrote the chunk before), so it sees the contacts as
        they were before the import; this import's own writes are added from
        memory: its new contacts, and the changed columns and version of the
        ones it updated. A key an update took away from a contact is looked up
        again in this transaction. Without ``looked_up`` (a dry run, an in-memory
        database) everything is looked up here.
        """
        if looked_up is None:
            emails, phones = _keys(row.values for _line, row in good)
            found = self._lookup(self._session().connection(), emails, phones)
        else:
            found, emails, phones = looked_up
        stale = {k for k, match in found.items() if match["id"] in self.rekeyed}
        if stale:
            for key in stale:
                del found[key]
            found.update(self._lookup(self._session().connection(), stale & emails, stale & phones))
        if not self.holders:
            return found
        holders = self.holders
        for key in (*emails, *phones):
            best = holders.get(key)
            if best is not None and (key not in found or best < found[key]["id"]):
                found[key] = self._match_of(best)
        if self.current:
            for match in found.values():
                if match["id"] in self.current:
                    match.update(self.current[match["id"]])
        return found

    def _match_of(self, ident: int) -> dict[str, Any]:
        """The match columns of a contact this import wrote."""
        if ident in self.current:
            return self.current[ident]
        values = self.created_values.get(ident)
        if values is None:  # dedupe="skip": the id is all it needs
            return {"id": ident}
        base = self._contact_defaults
        match = {name: values.get(name, base.get(name)) for name in self._wanted()}
        match["id"], match["version"] = ident, 1
        match["custom"] = dict(values.get("custom") or {})
        return match

    def _hold(self, ident: int, key: str | None) -> None:
        """``ident`` has ``key`` now: it holds the key if no lower id of this import does."""
        if key and self.holders.get(key, ident) >= ident:
            self.holders[key] = ident

    def _remember_created(self, ids: list[int], creates: list[tuple[int, RowValues]]) -> None:
        """New contacts, for the lookups of later chunks (a later row about the same person)."""
        if self.lookup_engine is None:
            return
        keep = self.opts.dedupe == "update"
        holders = self.holders
        # a new contact's id is above every id held so far (those of contacts that existed
        # before, or were created by earlier chunks), so it only holds keys nobody holds
        for ident, (_line, row) in zip(ids, creates, strict=True):
            values = row.values
            email, phone = values.get("email_key"), values.get("phone_key")
            if email:
                holders.setdefault(email, ident)
            if phone:
                holders.setdefault(phone, ident)
            if keep:
                self.created_values[ident] = values

    def _writable(self, matches: dict[str, dict[str, Any]]) -> set[int]:
        ids = {m["id"] for m in matches.values()}
        if not ids or self.user is None:
            return ids
        from modules.contacts.models import Contact

        stmt = toolkit.scope(sa.select(Contact.id).where(Contact.id.in_(sorted(ids))), OBJECT, "write", self.user)
        return set(self._session().scalars(stmt))

    def _custom_problems(self, creates: list[tuple[int, RowValues]],
                         updates: dict[int, tuple[int, RowValues]]) -> list[tuple[int, list[tuple[str, str]]]]:
        """Required custom fields on new contacts; unique custom values within the file and the database."""
        problems: list[tuple[int, list[tuple[str, str]]]] = []
        if self.required_custom:
            for line, row in creates:
                custom = row.values.get("custom") or {}
                missing = [d for d in self.required_custom if d.key not in custom]
                if missing:
                    problems.append((line, [(self.checker.header(f"custom.{d.key}"), _("This field is required."))
                                            for d in missing]))
        if not self.unique_custom:
            return problems
        from modules.contacts import custom_fields
        from modules.contacts.models import Contact

        rows = [(line, row, None) for line, row in creates] + [(line, row, rid) for rid, (line, row) in updates.items()]
        for defn in self.unique_custom:
            values = {row.values["custom"][defn.key] for _l, row, _i in rows if defn.key in (row.values.get("custom") or {})}
            if not values:
                continue
            expr = custom_fields.json_value(Contact, defn)
            holders = dict((v, i) for i, v in self._session().execute(sa.select(Contact.id, expr).where(expr.in_(sorted(values, key=str)))))
            seen = self.unique_seen.setdefault(defn.key, {})
            for line, row, record_id in rows:
                value = (row.values.get("custom") or {}).get(defn.key)
                if value is None:
                    continue
                holder = holders.get(value)
                if (holder is not None and holder != record_id) or (value in seen and seen[value] != line):
                    problems.append((line, [(self.checker.header(f"custom.{defn.key}"),
                                             _("Another record already has this value."))]))
                else:
                    seen[value] = line
        return problems

    def _resolve_companies(self, rows: list[tuple[int, RowValues]]) -> list[tuple[int, list[tuple[str, str]]]]:
        """``company_id`` from the company's name: a visible company, else a new one (if allowed)."""
        from modules.contacts.models import Company

        names = {fast_name_key(None, row.company): row.company for _l, row in rows if row.company}
        unknown = [key for key in names if key not in self.company_ids]
        problems: list[tuple[int, list[tuple[str, str]]]] = []
        if unknown:
            stmt = sa.select(Company.name_key, sa.func.min(Company.id)).where(Company.name_key.in_(unknown))
            if self.user is not None:
                stmt = toolkit.scope(sa.select(Company).where(Company.name_key.in_(unknown)), "contacts.company",
                                     "read", self.user).with_only_columns(Company.name_key, sa.func.min(Company.id))
            found = dict(self._session().execute(stmt.group_by(Company.name_key)).all())
            missing = [key for key in unknown if key not in found]
            if missing and self.may_create_company:
                found.update(self._create_companies({key: names[key] for key in missing}))
            for key in unknown:
                self.company_ids[key] = found.get(key)
        for line, row in rows:
            if not row.company:
                continue
            company_id = self.company_ids.get(fast_name_key(None, row.company))
            if company_id is None:
                problems.append((line, [(self.checker.header("company"), _(
                    "There is no company named '%(name)s' that you may see, and you may not create companies.",
                    name=row.company))]))
            else:
                row.values["company_id"] = company_id
                row.ready = None
        return problems

    def _create_companies(self, names: dict[str, str]) -> dict[str, int | None]:
        self.result.companies_created += len(names)
        if self.opts.dry_run:
            return {key: -1 for key in names}
        table = self.company_table
        base = self._defaults(table)
        rows = [{**base, "name": name, "name_key": key} for key, name in names.items()]
        ids = self._session().execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                      rows).scalars()
        return dict(zip(names, ids, strict=True))

    def _defaults(self, table: sa.Table) -> dict[str, Any]:
        """Every column but ``id``: its default, or None (homogeneous rows batch into one statement)."""
        values: dict[str, Any] = {}
        for column in table.columns:
            if column.name == "id":
                continue
            default = column.default
            if default is not None and getattr(default, "is_scalar", False):
                values[column.name] = default.arg
            elif default is not None and getattr(default, "is_callable", False):
                values[column.name] = None
            else:
                values[column.name] = None
        values.update(owner_id=self.owner_id, department_id=self.department_id, created_at=self.now,
                      updated_at=self.now, version=1)
        if "custom" in values:
            values["custom"] = {}
        return values

    def _insert(self, creates: list[tuple[int, RowValues]]) -> list[int]:
        """New contacts through ``import_write.BulkInsert`` (COPY or the driver's executemany); their ids."""
        if not creates:
            return []
        prepare = self._writer.prepare
        rows = [row.ready if row.ready is not None else prepare(row.values) for _line, row in creates]
        return self._writer.start(rows, self._write_pool)

    def _update(self, updates: dict[int, tuple[int, RowValues]], matches: dict[str, dict[str, Any]]) -> None:
        """One executemany UPDATE per set of columns; a record changed meanwhile stops the import."""
        if not updates:
            return
        session = self._session()
        from modules.contacts.listeners import phone_key

        existing = {m["id"]: m for m in matches.values()}
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for record_id, (_line, row) in updates.items():
            old = existing[record_id]
            changes = {k: v for k, v in row.values.items() if k not in ("name_key", "email_key", "phone_key")}
            first = changes.get("first_name", old["first_name"])
            last = changes.get("last_name", old["last_name"])
            changes["name_key"] = fast_name_key(first, last)
            if "email" in changes:
                changes["email_key"] = changes["email"].lower()
            if "phone" in changes or "mobile" in changes:
                changes["phone_key"] = phone_key(changes.get("phone", old["phone"]) or changes.get("mobile", old["mobile"]),
                                                 changes.get("country", old["country"]))
            if "custom" in changes:
                changes["custom"] = {**(old["custom"] or {}), **changes["custom"]}
            changes["updated_at"] = self.now
            changes["version"] = old["version"] + 1
            changes["completeness"] = None  # scored again by the contacts.refresh_completeness task
            params = {f"v_{k}": v for k, v in changes.items()}
            params.update(b_id=record_id, b_version=old["version"])
            if self.lookup_engine is not None:
                now = {**old, **{k: v for k, v in changes.items() if k in old}}
                if (now["email_key"], now["phone_key"]) != (old["email_key"], old["phone_key"]):
                    self.rekeyed.add(record_id)
                self.current[record_id] = now
                self._hold(record_id, now["email_key"])
                self._hold(record_id, now["phone_key"])
            groups.setdefault(tuple(sorted(changes)), []).append(params)
        table = self.contact_table
        for names, params in groups.items():
            stmt = (sa.update(table).where(table.c.id == sa.bindparam("b_id"), table.c.version == sa.bindparam("b_version"))
                    .values({name: sa.bindparam(f"v_{name}") for name in names}))
            outcome = session.execute(stmt, params)
            if session.get_bind().dialect.supports_sane_multi_rowcount and outcome.rowcount != len(params):
                raise ImportFileError(_("Some of the contacts to update were changed by someone else during the "
                                        "import. Nothing was imported; start the import again."))

    def _tag(self, pairs: list[tuple[int, list[str]]]) -> None:
        """Tags by name (created when new) linked to the contacts; links that exist are kept."""
        if not pairs:
            return
        session = self._session()
        from modules.contacts.models import ContactTag, Tag

        names = sorted({name for _id, tags in pairs for name in tags} - set(self.tag_ids))
        if names:
            self.tag_ids.update(dict(session.execute(sa.select(Tag.name, Tag.id).where(Tag.name.in_(names))).all()))
            missing = [name for name in names if name not in self.tag_ids]
            if missing:
                ids = session.execute(sa.insert(Tag.__table__).returning(Tag.id, sort_by_parameter_order=True),
                                         [{"name": name} for name in missing]).scalars()
                self.tag_ids.update(zip(missing, ids, strict=True))
        contact_ids = sorted({contact_id for contact_id, _tags in pairs})
        have = set(session.execute(sa.select(ContactTag.contact_id, ContactTag.tag_id)
                                      .where(ContactTag.contact_id.in_(contact_ids))).all())
        links = []
        for contact_id, tags in pairs:
            for name in dict.fromkeys(tags):
                link = (contact_id, self.tag_ids[name])
                if link not in have:
                    have.add(link)
                    links.append({"contact_id": link[0], "tag_id": link[1]})
        if links:
            session.execute(sa.insert(ContactTag.__table__), links)


__all__ = ["DEDUPE", "ON_ERROR", "ImportOptions", "ImportResult", "Preview", "RowError", "import_file", "label",
           "preview"]
