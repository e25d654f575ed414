"""Writing many rows fast, inside the session's transaction, and knowing their ids.

Measured on this machine (13 indexes on ``contacts_contact``): on PostgreSQL
``COPY`` is about twice as fast as psycopg's ``executemany`` (a pipeline of
single-row INSERTs), and SQLAlchemy's batched ``INSERT … RETURNING`` was the
slowest of the three; on SQLite the driver's own ``executemany`` is fastest.
SQLAlchemy's per-row parameter processing costs more than the driver call,
so values are converted here with the dialect's own bind processors (the
stored form is exactly what the ORM writes; modules/contacts/tests/test_import_write.py) and
handed to the driver as tuples. ``prepare`` makes a row's tuple; the importer
calls it where the rows are checked (a forked process for big files), which
took a quarter of the SQLite importer's main-thread Python time off it.

Ids: PostgreSQL hands out the next ids of the table's sequence first (one
``nextval`` query per batch), so the rows go in with known ids. SQLite gives a
new row ``max(id) + 1``; while the transaction holds the write lock nothing
else can insert, so a batch's ids are the last ``n`` below the new maximum.

``start(rows, pool)`` on PostgreSQL returns the ids at once and leaves the
``COPY`` to the ``pool``'s thread: the server writes the batch while the caller
prepares the next one (measured: 17,200-18,300 -> 20,200-21,300 rows/s into a
million people); ``wait()`` must come before anything else uses the session's
connection. SQLite writes in the caller's thread (see ``start``).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from core.toolkit import db, sa


class BulkInsert:
    """``start(rows, pool) -> ids`` for one table; ``rows`` are ``prepare(values)`` of each new row.

    ``defaults`` holds every column but ``id`` with the value a row gets when its
    ``values`` lack it. ``prepare`` only computes (no database): the importer runs
    it where rows are checked, in the forked process for big files.
    """

    def __init__(self, table: sa.Table, defaults: dict[str, Any]) -> None:
        self.table = table
        self.columns = [c for c in defaults if c != "id"]
        connection = db.session.connection()
        self.dialect = connection.dialect.name
        processors: dict[str, Callable[[Any], Any]] = {}
        for name in self.columns:
            column_type = table.c[name].type
            if self.dialect == "postgresql":
                fn = _json_text if isinstance(column_type, sa.JSON) else None
            elif self.dialect == "sqlite":
                fn = column_type._cached_bind_processor(connection.dialect)
            else:
                fn = None  # other databases: SQLAlchemy's own INSERT converts (see start)
            if fn is not None:
                processors[name] = fn
        self.processors = processors
        self.base = self._converted({name: defaults[name] for name in self.columns})
        self._order = operator.itemgetter(*self.columns)
        self.writing: Future[Any] | None = None

    def prepare(self, values: dict[str, Any]) -> tuple[Any, ...]:
        """The row ``values`` (over the defaults) as the driver takes it: a tuple in column order."""
        return self._order({**self.base, **self._converted(values)})

    def _converted(self, values: dict[str, Any]) -> dict[str, Any]:
        processors = self.processors
        if not processors or processors.keys().isdisjoint(values):
            return values
        return {name: (processors[name](value) if value is not None and name in processors else value)
                for name, value in values.items()}

    def start(self, rows: list[tuple[Any, ...]], pool: Executor | None) -> list[int]:
        """Write ``rows`` (on ``pool``'s thread when given and the database allows it); their ids."""
        if not rows:
            return []
        if self.dialect not in ("postgresql", "sqlite"):
            self.wait()
            stmt = sa.insert(self.table).returning(self.table.c.id, sort_by_parameter_order=True)
            return list(db.session.execute(stmt, [dict(zip(self.columns, row, strict=True)) for row in rows]).scalars())
        self.wait()
        connection = db.session.connection()
        if self.dialect == "sqlite":
            # in this thread: SQLite's executemany takes the GIL back for every row, and
            # with the checks running beside it a writer thread made the import slower
            return self._executemany(connection, rows)
        ids = list(connection.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": self.table.name, "n": len(rows)},
        ).scalars())
        raw = connection.connection.driver_connection
        if pool is None:
            self._copy(raw, ids, rows)
        else:
            self.writing = pool.submit(self._copy, raw, ids, rows)
        return ids

    def wait(self) -> None:
        """Until the batch being written is in (its error, if any, is raised here)."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.result()

    def _executemany(self, connection: sa.Connection, values: list[tuple[Any, ...]]) -> list[int]:
        names = ", ".join(f'"{c}"' for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        connection.exec_driver_sql(f'INSERT INTO "{self.table.name}" ({names}) VALUES ({marks})', values)
        top = connection.exec_driver_sql(f'SELECT max(id) FROM "{self.table.name}"').scalar() or 0
        return list(range(top - len(values) + 1, top + 1))

    def _copy(self, raw: Any, ids: list[int], values: list[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in ["id", *self.columns])
        with raw.cursor() as cursor, cursor.copy(f'COPY "{self.table.name}" ({names}) FROM STDIN') as copy:
            for ident, row in zip(ids, values, strict=True):
                copy.write_row((ident, *row))


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
