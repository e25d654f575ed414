"""Writing many rows fast, inside the session's transaction, and knowing their ids.

Measured on this machine (13 indexes on ``contacts_contact``): on PostgreSQL
``COPY`` is about twice as fast as psycopg's ``executemany`` (a pipeline of
single-row INSERTs), and SQLAlchemy's batched ``INSERT … RETURNING`` was the
slowest of the three; on SQLite the driver's own ``executemany`` is fastest.
SQLAlchemy's per-row parameter processing costs more than the driver call,
so values are converted here with the dialect's own bind processors (the
stored form is exactly what the ORM writes) and handed to the driver as
tuples.

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
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from core.toolkit import db, sa


class BulkInsert:
    """``start(rows, pool) -> ids`` for one table; ``rows`` are dicts with the same keys as ``columns``."""

    def __init__(self, table: sa.Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = [c for c in columns if c != "id"]
        connection = db.session.connection()
        self.dialect = connection.dialect.name
        processors: list[Callable[[Any], Any] | None] = []
        for name in self.columns:
            column_type = table.c[name].type
            if self.dialect == "postgresql":
                processors.append(_json_text if isinstance(column_type, sa.JSON) else None)
            else:
                processors.append(column_type._cached_bind_processor(connection.dialect))
        self.processors = processors
        self.writing: Future[Any] | None = None

    def start(self, rows: list[dict[str, Any]], pool: Executor | None) -> list[int]:
        """Write ``rows`` (on ``pool``'s thread when given and the database allows it); their ids."""
        if not rows:
            return []
        if self.dialect not in ("postgresql", "sqlite"):
            self.wait()
            stmt = sa.insert(self.table).returning(self.table.c.id, sort_by_parameter_order=True)
            return list(db.session.execute(stmt, rows).scalars())
        values = self._tuples(rows)
        self.wait()
        connection = db.session.connection()
        if self.dialect == "sqlite":
            # in this thread: SQLite's executemany takes the GIL back for every row, and
            # with the checks running beside it a writer thread made the import slower
            return self._executemany(connection, values)
        ids = list(connection.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": self.table.name, "n": len(values)},
        ).scalars())
        raw = connection.connection.driver_connection
        if pool is None:
            self._copy(raw, ids, values)
        else:
            self.writing = pool.submit(self._copy, raw, ids, values)
        return ids

    def wait(self) -> None:
        """Until the batch being written is in (its error, if any, is raised here)."""
        writing, self.writing = self.writing, None
        if writing is not None:
            writing.result()

    def _tuples(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as tuples in column order, converted where the column has a processor (in place)."""
        converting = [(name, fn) for name, fn in zip(self.columns, self.processors, strict=True) if fn is not None]
        for name, fn in converting:
            # a value shared by the rows (the import's time stamps) is converted once
            last, done = None, None
            for row in rows:
                value = row[name]
                if value is None:
                    continue
                if value is not last:
                    last, done = value, fn(value)
                row[name] = done
        getter = operator.itemgetter(*self.columns)
        return [getter(row) for row in rows]

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
