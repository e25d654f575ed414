"""Domain events: ``publish`` now, dispatch after the database commits.

A module publishes ``contact.created`` while it is still inside its
transaction. Subscribers must never hear of a change that was rolled back,
and must see the committed rows when they run, so events are collected on
the SQLAlchemy session and fired from its ``after_commit`` event; a rollback
(or closing the session without a commit) drops them.

The session that just committed cannot run SQL inside ``after_commit``, and a
subscriber's failure must not undo someone else's work, so every subscriber
(and every ``crm_event_published`` implementation) runs in a fresh session
of its own that is committed when it returns and rolled back when it raises.
A failing subscriber is logged; the request and the other subscribers carry
on. Events a subscriber publishes are dispatched when its session commits.

``on_commit(fn)`` is the primitive underneath, also used by the job queue to
submit a job only once the row that describes it is committed.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context, has_request_context

from core.extensions import Session, db
from core.models import utcnow

log = logging.getLogger("crm.events")

_CALLBACKS = "crm_on_commit"
#: how deep subscribers may publish events that trigger subscribers
MAX_DEPTH = 5
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("crm_event_depth", default=0)
_acting_user: contextvars.ContextVar[int | None] = contextvars.ContextVar("crm_acting_user", default=None)


@dataclass(frozen=True)
class Event:
    """Something that happened in a module, e.g. ``contact.created``.

    ``payload`` must be JSON-ready (it is what webhooks send). ``object`` and
    ``record_id`` name the record it is about, when there is one.
    """

    name: str
    payload: dict[str, Any]
    module: str
    object: str | None = None
    record_id: int | None = None
    user_id: int | None = None
    occurred_at: datetime = field(default_factory=utcnow)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat() + "Z"
        return data


# -- who is acting -------------------------------------------------------------


@contextlib.contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute events and audit rows to ``user_id`` (background jobs run as their starter)."""
    token = _acting_user.set(user_id)
    try:
        yield
    finally:
        _acting_user.reset(token)


def acting_user_id() -> int | None:
    """The user on whose behalf code runs: a job's starter, else the logged-in user."""
    user_id = _acting_user.get()
    if user_id is not None:
        return user_id
    if has_request_context():
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            value = getattr(current_user, "id", None)
            return int(value) if value is not None else None
    return None


# -- after-commit callbacks -------------------------------------------------------


def on_commit(fn: Callable[[], Any], session: Any = None) -> None:
    """Run ``fn`` once the current transaction of ``session`` (default ``db.session``) commits.

    Dropped when the transaction rolls back or the session closes uncommitted.
    ``fn`` runs with ``db.session`` pointing at a fresh session that is
    committed after it returns.
    """
    target = db.session() if session is None else session
    target.info.setdefault(_CALLBACKS, []).append(fn)


@contextlib.contextmanager
def fresh_session(origin: Any = None) -> Iterator[Any]:
    """Point ``db.session`` at a new session for a while (restored afterwards).

    When ``origin`` is bound to a connection (a module install runs on one
    connection inside one transaction), the new session joins that connection
    through a savepoint instead of opening a second one, which on SQLite
    would wait for the install's write lock forever.
    """
    registry = db.session.registry
    previous = registry() if registry.has() else None
    bind = getattr(origin, "bind", None)
    options: dict[str, Any] = {}
    if isinstance(bind, sa.Connection):
        options = {"bind": bind, "join_transaction_mode": "create_savepoint"}
    session = db.session.session_factory(**options)
    registry.set(session)
    try:
        yield session
    finally:
        session.close()
        if previous is not None:
            registry.set(previous)
        else:
            registry.clear()


def run_isolated(fn: Callable[[], Any], origin: Any = None, what: str = "callback") -> bool:
    """Run ``fn`` in a fresh session, commit it; log and roll back on failure."""
    with fresh_session(origin) as session:
        try:
            fn()
            session.commit()
        except Exception:
            session.rollback()
            log.exception("%s failed", what)
            return False
    return True


def _after_commit(session: Any) -> None:
    callbacks = session.info.pop(_CALLBACKS, None)
    if not callbacks:
        return
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        log.error("events nested more than %s deep (a subscriber loop?); dropping %s callbacks", MAX_DEPTH, len(callbacks))
        return
    token = _depth.set(depth + 1)
    try:
        for fn in callbacks:
            if has_app_context():
                run_isolated(fn, session, what=getattr(fn, "crm_what", "after-commit callback"))
            else:  # pragma: no cover - sessions outside an app context have no db.session to swap
                try:
                    fn()
                except Exception:
                    log.exception("after-commit callback failed")
    finally:
        _depth.reset(token)


def _after_transaction_end(session: Any, transaction: Any) -> None:
    """The outermost transaction ended: whatever was not committed is dropped."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_CALLBACKS, None)


sa.event.listen(Session, "after_commit", _after_commit)
sa.event.listen(Session, "after_transaction_end", _after_transaction_end)


# -- publishing and dispatch -------------------------------------------------------


def publish(
    name: str,
    payload: dict[str, Any],
    *,
    module: str,
    object: str | None = None,  # noqa: A002 - the hook contract calls it "object"
    record_id: int | None = None,
) -> Event:
    """Publish a domain event; subscribers hear of it after the transaction commits.

    ``name`` is ``<thing>.<what happened>`` (``contact.created``); ``module``
    is the publishing module. Returns the event (its ``id`` identifies it in
    webhook deliveries).
    """
    event = Event(
        name=name, payload=dict(payload), module=module, object=object, record_id=record_id,
        user_id=acting_user_id(),
    )
    callback = _Dispatch(current_app._get_current_object(), event)  # type: ignore[attr-defined]
    on_commit(callback)
    return event


class _Dispatch:
    """The after-commit callback of one event (a class so logs can name it)."""

    def __init__(self, app: Flask, event: Event) -> None:
        self.app = app
        self.event = event
        self.crm_what = f"event {event.name}"

    def __call__(self) -> None:
        dispatch(self.event, self.app)


def dispatch(event: Event, app: Flask | None = None) -> None:
    """Hand ``event`` to matching subscribers and to ``crm_event_published`` now.

    Each handler runs in its own session; a failure is logged and skipped.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    crm = app.extensions.get("crm")
    if crm is None:
        return
    origin = db.session()
    for sub in crm.registry.subscribers:
        if fnmatch.fnmatchcase(event.name, sub.pattern):
            label = sub.name or getattr(sub.handler, "__qualname__", repr(sub.handler))
            run_isolated(lambda h=sub.handler: h(event), origin, what=f"subscriber {label} of {event.name}")
    for impl in crm.pm.hook.crm_event_published.get_hookimpls():
        run_isolated(
            lambda f=impl.function, names=tuple(impl.argnames): f(**{n: event for n in names}), origin,
            what=f"crm_event_published of {impl.plugin_name} for {event.name}",
        )


def init_app(app: Flask) -> None:
    """The session listeners are global and subscribers live in the registry.

    The audit trail rides on the same session events, so it is switched on
    here too (importing it registers its flush listeners).
    """
    from core.audit import capture

    capture.audited_tables(app)
