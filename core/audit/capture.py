"""Capturing creates, updates and deletes from SQLAlchemy's flush, with no module code.

``after_flush`` still sees what the flush wrote (``session.new``/``dirty``/
``deleted`` and each attribute's history), and the new rows already have
their ids, so one ``executemany`` INSERT per flush writes every audit row of
that flush into the same transaction: the trail commits or rolls back with
the change it describes.

Audited are the tables of installed modules (``registry.models``) and core's
users, roles, departments and grants. Passwords, secrets and tokens are
recorded as changed but never with their values. ``audit_disabled()`` turns
capture off for a bulk import; bulk ``insert()``/``update()`` statements
bypass the flush and are never captured.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm.base import NO_VALUE

from core.audit.models import AuditEntry
from core.events import acting_user_id
from core.extensions import Session
from core.models import utcnow

#: core tables worth a trail, with their object names
CORE_AUDITED = {
    "core_user": "core.user",
    "core_role": "core.role",
    "core_department": "core.department",
    "core_grant": "core.grant",
}
#: bookkeeping columns whose change alone is not worth a row
NOISE = {"version", "updated_at", "created_at", "last_login_at"}
HIDDEN_WORDS = ("password", "secret", "token")
HIDDEN = "***"

_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar("crm_audit_disabled", default=False)
_USER = "crm_audit_user"
_OLD = "crm_audit_old"


@contextlib.contextmanager
def audit_disabled() -> Iterator[None]:
    """Write no audit rows inside (bulk imports of many thousand rows)."""
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)


def audited_tables(app: Flask) -> dict[str, tuple[str, str]]:
    """table -> (module, object) for every audited table of ``app``."""
    cached = app.extensions.get("crm_audit")
    if cached is not None:
        return cached
    registry = app.extensions["crm"].registry
    tables: dict[str, tuple[str, str]] = {name: ("core", obj) for name, obj in CORE_AUDITED.items()}
    for table, model in registry.models.items():
        module = registry.owner("table", table) or table.split("_", 1)[0]
        obj = getattr(model, "__crm_object__", None) or f"{module}.{table[len(module) + 1:]}"
        tables[table] = (module, obj)
    app.extensions["crm_audit"] = tables
    return tables


def plain(value: Any) -> Any:
    """A column value as JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "<binary>"
    if isinstance(value, (list, dict)):
        return value
    return str(value)


def _hidden(key: str) -> bool:
    return any(word in key for word in HIDDEN_WORDS)


def _record_id(state: Any) -> int | None:
    """The primary key; read from the instance because new rows get their identity after the flush."""
    pk = state.mapper.primary_key
    if len(pk) != 1:
        return None
    value = state.identity[0] if state.identity else state.dict.get(state.mapper.get_property_by_column(pk[0]).key)
    return value if isinstance(value, int) else None


def _created(state: Any, _unloaded: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        value = state.dict.get(key)
        if key in NOISE or key == "id" or value is None:
            continue
        changes[key] = [None, HIDDEN if _hidden(key) else plain(value)]
    return changes


def _updated(state: Any, unloaded: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NOISE:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        known = bool(history.deleted) or key in unloaded
        old = history.deleted[0] if history.deleted else unloaded.get(key)
        new = history.added[0] if history.added else None
        if old == new and known:
            continue
        changes[key] = [HIDDEN, HIDDEN] if _hidden(key) else [plain(old), plain(new)]
    return changes


def _deleted(state: Any, _unloaded: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in NOISE or key == "id" or key not in state.dict or state.dict[key] is None:
            continue
        changes[key] = [HIDDEN if _hidden(key) else plain(state.dict[key]), None]
    return changes


def _before_flush(session: Any, _context: Any, _instances: Any) -> None:
    """Who is acting, and old values the session never loaded, looked up before the flush writes."""
    if _disabled.get() or not has_app_context() or "crm" not in current_app.extensions:
        return
    session.info[_USER] = acting_user_id()
    session.info[_OLD] = _unloaded_old_values(session, audited_tables(current_app))


def _unloaded_old_values(session: Any, tables: dict[str, tuple[str, str]]) -> dict[Any, dict[str, Any]]:
    """Old values of attributes assigned while expired (e.g. right after a commit).

    SQLAlchemy then knows the new value only; one SELECT per table and flush
    reads the old ones, so the trail still says "old → new".
    """
    wanted: dict[Any, list[tuple[Any, int, list[str]]]] = {}
    for obj in session.dirty:
        state = sa.inspect(obj)
        table = state.mapper.local_table
        if table.name not in tables:
            continue
        keys = [key for key, value in state.committed_state.items()
                if value is NO_VALUE and key in state.mapper.column_attrs and key not in NOISE]
        record_id = _record_id(state)
        if keys and record_id is not None:
            wanted.setdefault(state.mapper, []).append((state, record_id, keys))
    found: dict[Any, dict[str, Any]] = {}
    for mapper, items in wanted.items():
        pk = mapper.primary_key[0]
        keys = sorted({key for _state, _id, ks in items for key in ks})
        columns = [mapper.column_attrs[key].columns[0] for key in keys]
        rows = session.execute(sa.select(pk, *columns).where(pk.in_([record_id for _s, record_id, _k in items])))
        by_id = {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}
        for state, record_id, ks in items:
            old = by_id.get(record_id, {})
            found[state] = {key: old[key] for key in ks if key in old}
    return found


def _after_flush(session: Any, _context: Any) -> None:
    if _disabled.get() or not has_app_context() or "crm" not in current_app.extensions:
        return
    tables = audited_tables(current_app)
    user_id = session.info.pop(_USER, None)
    olds = session.info.pop(_OLD, None) or {}
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for action, objects, describe in (
        ("create", session.new, _created), ("update", session.dirty, _updated), ("delete", session.deleted, _deleted),
    ):
        for obj in objects:
            state = sa.inspect(obj)
            owner = tables.get(state.mapper.local_table.name)
            if owner is None:
                continue
            changes = describe(state, olds.get(state, {}))
            if action == "update" and not changes:
                continue
            rows.append({
                "at": now, "user_id": user_id, "module": owner[0], "object": owner[1],
                "record_id": _record_id(state), "action": action, "changes": changes,
            })
    if rows:
        connection = session.connection()
        if _table_ready(connection):
            connection.execute(sa.insert(AuditEntry.__table__), rows)


_ready: set[str] = set()


def _table_ready(connection: sa.Connection) -> bool:
    """False on a database whose core migrations have not run yet (``crm db upgrade`` pending).

    Writing the trail must not break every save there; once the table is seen
    it is not looked up again.
    """
    key = connection.engine.url.render_as_string(hide_password=True)
    if key not in _ready and sa.inspect(connection).has_table(AuditEntry.__tablename__):
        _ready.add(key)
    return key in _ready


sa.event.listen(Session, "before_flush", _before_flush)
sa.event.listen(Session, "after_flush", _after_flush)
