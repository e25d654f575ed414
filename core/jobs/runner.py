"""Running one task: the same code path for every way a job is executed.

Whether the job runs on a Celery worker, in the web process's thread pool or
inline in tests, ``execute`` does the bookkeeping: it marks the ``core_job``
row running, hands the task a ``progress`` callable, commits the task's
database work together with the ``done`` state (so "done" always means the
work is committed), and on an exception rolls the work back and records
``failed`` — or ``queued`` again when the task has retries left, telling the
caller after how many seconds to retry.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from core.events import acting_as
from core.extensions import db
from core.jobs.models import Job
from core.models import utcnow

log = logging.getLogger("crm.jobs")

#: retry delays grow from this many seconds, doubling per attempt (capped at an hour)
DEFAULT_RETRY_DELAY = 10.0
#: progress is written at most this often (a task may call it for every row)
PROGRESS_EVERY = 0.25


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: ``done``, ``failed`` or ``retry`` after ``delay`` seconds."""

    state: str
    delay: float = 0.0
    result: Any = None


def retry_delay(app: Flask, attempt: int) -> float:
    base = float(app.config.get("CRM_JOB_RETRY_DELAY", DEFAULT_RETRY_DELAY))
    return min(base * 2 ** (attempt - 1), 3600.0)


def jsonable(value: Any) -> Any:
    """The task's return value as JSON (dates and decimals become text)."""
    return json.loads(json.dumps(value, default=str))


class Progress:
    """``progress(pct, message="")``: what a task calls to report how far it is.

    Written on a connection of its own and committed at once, so the progress
    page sees it while the task's own transaction is still open. On SQLite a
    task holding uncommitted writes locks the file; progress then waits only
    briefly and is skipped (the next call or the final state catches up).
    """

    def __init__(self, job_id: int | None) -> None:
        self.job_id = job_id
        self.last_write = 0.0
        self.pct = 0
        self.message = ""

    def __call__(self, pct: float, message: str = "") -> None:
        self.pct = max(0, min(100, int(pct)))
        self.message = str(message)[:500]
        if self.job_id is None:
            return
        now = time.monotonic()
        if now - self.last_write < PROGRESS_EVERY and self.pct < 100:
            return
        self.last_write = now
        table = Job.__table__
        stmt = sa.update(table).where(table.c.id == self.job_id).values(progress=self.pct, message=self.message)
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            try:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=200")
                conn.execute(stmt)
                conn.commit()
            except sa.exc.OperationalError as exc:
                conn.rollback()
                log.debug("job %s: progress not written (%s)", self.job_id, exc)
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout=10000")
                    conn.commit()


@functools.lru_cache(maxsize=512)
def _wants_progress(func: Callable[..., Any]) -> bool:
    try:
        return "progress" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def execute(app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None = None, attempt: int = 1) -> Outcome:
    """Run one attempt of ``task`` inside a fresh app context."""
    with app.app_context():
        try:
            return _execute(app, task, kwargs, job_id, attempt)
        finally:
            db.session.remove()


def _set(job_id: int, **values: Any) -> None:
    db.session.execute(sa.update(Job).where(Job.id == job_id).values(**values))


def _execute(app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None, attempt: int) -> Outcome:
    user_id = None
    if job_id is not None:
        job = db.session.get(Job, job_id)
        if job is None:
            log.warning("job %s (%s) no longer exists; skipped", job_id, task)
            return Outcome("failed")
        if job.finished:  # a broker delivered it twice
            return Outcome(job.state, result=job.result)
        user_id = job.user_id
        _set(job_id, state="running", attempts=attempt, started_at=job.started_at or utcnow())
        db.session.commit()
    spec = app.extensions["crm"].registry.tasks.get(task)
    if spec is None:
        log.error("unknown task %s (is its module installed here?)", task)
        if job_id is not None:
            _set(job_id, state="failed", message=f"unknown task {task}", finished_at=utcnow())
            db.session.commit()
        return Outcome("failed")
    progress = Progress(job_id)
    args = dict(kwargs)
    if _wants_progress(spec.func):
        args["progress"] = progress
    try:
        with acting_as(user_id):
            result = jsonable(spec.func(**args))
            if job_id is not None:
                _set(job_id, state="done", progress=100, result=result, message=progress.message,
                     finished_at=utcnow())
            db.session.commit()
    except Exception as exc:
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"[:500]
        retry = attempt <= spec.max_retries
        log.warning("task %s (job %s) attempt %s failed: %s", task, job_id, attempt, error, exc_info=not retry)
        delay = retry_delay(app, attempt)
        if job_id is not None:
            if retry:
                _set(job_id, state="queued", message=error)
            else:
                _set(job_id, state="failed", message=error, finished_at=utcnow())
            db.session.commit()
        return Outcome("retry", delay=delay) if retry else Outcome("failed")
    return Outcome("done", result=result)
