"""Shared set-up for the generic-view tests (no tests here): the notebook sample module,
users, notes inserted in bulk, and reading list pages the way a user sees them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from core.testing import create_user, csrf_token, login

SAMPLE_ADDONS = Path(__file__).parent / "addons" / "sample"
NOTES = "/notebook/notes/"


def notebook_app(monkeypatch: pytest.MonkeyPatch, make_app: Any, **config: Any) -> Flask:
    """An app with the sample ``notebook`` module installed in a fresh database."""
    monkeypatch.setenv("CRM_ADDONS_PATH", str(SAMPLE_ADDONS))
    return make_app(["notebook"], config=config or None)


def signed_in(app: Flask, role: str = "user", **options: Any) -> Any:
    """A test client logged in as a new user with ``role`` (``client.user`` is the user)."""
    user = create_user(app, role, **options)
    client = app.test_client()
    assert login(client, user.email, user.password).status_code == 302
    client.user = user
    return client


def add_notes(app: Flask, owner: Any, count: int = 1, **values: Any) -> list[int]:
    """Insert ``count`` notes owned by ``owner`` (a user or None) in one statement; returns ids.

    ``title`` may contain ``{n}`` for a running number; ``updated_at`` defaults
    to one second apart so the default sort is predictable.
    """
    from notebook.models import Note

    from core.extensions import db

    start = values.pop("start", datetime(2026, 1, 1))
    title = values.pop("title", "Note {n}")
    rows = []
    for n in range(count):
        when = start + timedelta(seconds=n)
        row = {
            "title": title.format(n=n),
            "body": "",
            "status": "open",
            "tags": [],
            "owner_id": getattr(owner, "id", owner),
            "created_at": when,
            "updated_at": when,
            "version": 1,
        }
        row.update(values)
        rows.append(row)
    with app.app_context():
        table = Note.__table__
        first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
        db.session.execute(sa.insert(table), rows)
        db.session.commit()
        ids = list(db.session.scalars(sa.select(table.c.id).where(table.c.id > first).order_by(table.c.id)))
    return ids


def note(app: Flask, note_id: int) -> Any:
    """The stored note (detached), or None."""
    from notebook.models import Note

    from core.extensions import db

    with app.app_context():
        found = db.session.get(Note, note_id)
        if found is not None:
            db.session.expunge(found)
        return found


def row_ids(html: str) -> list[int]:
    """Ids of the rows in a list page's table, top to bottom."""
    return [int(v) for v in re.findall(r'<tr data-id="(\d+)"', html)]


def link(html: str, rel: str) -> str | None:
    """The href of the pager's ``rel="next"``/``"prev"`` link."""
    match = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def token(client: Any, url: str = NOTES) -> str:
    return csrf_token(client, url)


@contextmanager
def counting_queries(app: Flask) -> Iterator[list[tuple[str, Any]]]:
    """Collect every SQL statement (with its parameters) the app's engine runs inside the block."""
    from core.extensions import db

    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def skips_rows(statement: str, parameters: Any) -> bool:
    """Whether a statement skips rows with OFFSET (SQLite always writes ``LIMIT ? OFFSET ?``, with 0)."""
    text = statement.upper()
    for match in re.finditer(r"OFFSET\s+(\?|\d+)", text):
        value = match.group(1)
        if value == "?" and isinstance(parameters, (tuple, list)):
            value = str(parameters[text[: match.start(1)].count("?")])
        if value != "0":
            return True
    return False
