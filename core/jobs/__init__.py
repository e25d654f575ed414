"""Background jobs: ``enqueue`` a registered task; it runs after your transaction commits.

How a job runs depends on the configuration (see README, "Background jobs"):

- ``CRM_BROKER_URL`` set: on Celery (``crm worker``, schedules by ``crm beat``);
- no broker: on a thread pool inside the web process (``core.jobs.local``);
- tests (``TESTING``, or ``CRM_JOBS_EAGER=True``): inline right after the commit.

A job is submitted only once the ``core_job`` row describing it is committed,
so a worker never looks for a row that is not there yet and a request that
rolls back starts nothing. When the caller's transaction has written nothing
yet (a view that only starts an export), ``enqueue`` commits the row itself;
otherwise the job joins the caller's transaction and waits for its commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from core.events import acting_user_id, on_commit
from core.extensions import Session, db
from core.jobs.models import Job
from core.models import utcnow

__all__ = ["Job", "UnknownTask", "enqueue", "init_app", "mode", "submit"]

log = logging.getLogger("crm.jobs")
_WROTE = "crm_wrote"


class UnknownTask(LookupError):
    """``enqueue`` was given a task name no installed module registered."""


def mode(app: Flask) -> str:
    """``celery``, ``eager`` or ``thread``."""
    if app.config.get("CRM_BROKER_URL"):
        return "celery"
    if app.config.get("CRM_JOBS_EAGER", app.testing):
        return "eager"
    return "thread"


# -- does the caller's transaction hold writes? -----------------------------------------


def _after_flush(session: Any, _context: Any) -> None:
    session.info[_WROTE] = True


def _do_orm_execute(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True
    elif isinstance(state.statement, sa.TextClause) and not state.statement.text.lstrip().upper().startswith("SELECT"):
        state.session.info[_WROTE] = True


def _after_transaction_end(session: Any, transaction: Any) -> None:
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_WROTE, None)


sa.event.listen(Session, "after_flush", _after_flush)
sa.event.listen(Session, "do_orm_execute", _do_orm_execute)
sa.event.listen(Session, "after_transaction_end", _after_transaction_end)


def has_writes(session: Any) -> bool:
    """Whether committing ``session`` now would commit someone's changes."""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


@contextlib.contextmanager
def own_or_join() -> Iterator[Any]:
    """Add rows inside; committed at once unless the caller's transaction already has writes."""
    session = db.session()
    clean = not has_writes(session)
    yield session
    if clean:
        session.commit()


# -- submitting ----------------------------------------------------------------


class _Submit:
    """The after-commit callback that hands one job to its runner."""

    def __init__(self, app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None,
                 countdown: float | None) -> None:
        self.app, self.task, self.kwargs, self.job_id, self.countdown = app, task, kwargs, job_id, countdown
        self.crm_what = f"submitting job {job_id} ({task})"

    def __call__(self) -> None:
        how = mode(self.app)
        try:
            if how == "celery":
                from core.jobs.celery_app import send

                send(self.app, self.task, self.kwargs, self.job_id, self.countdown)
            elif how == "thread":
                from core.jobs.local import submit_thread

                submit_thread(self.app, self.task, self.kwargs, self.job_id, countdown=self.countdown)
            else:
                from core.jobs.local import run_eager

                run_eager(self.app, self.task, self.kwargs, self.job_id, countdown=self.countdown)
        except Exception as exc:
            log.exception("could not start job %s (%s)", self.job_id, self.task)
            if self.job_id is not None:
                db.session.execute(
                    sa.update(Job).where(Job.id == self.job_id, Job.state == "queued").values(
                        state="failed", message=f"could not start: {type(exc).__name__}: {exc}"[:500],
                        finished_at=utcnow(),
                    )
                )


def _check(task: str, kwargs: dict[str, Any]) -> None:
    if task not in current_app.extensions["crm"].registry.tasks:
        raise UnknownTask(f"unknown task '{task}': no installed module registers it")
    try:
        json.dumps(kwargs)
    except TypeError as exc:
        raise TypeError(f"task '{task}': arguments must be JSON-ready ({exc})") from exc


def submit(task: str, kwargs: dict[str, Any], *, countdown: float | None = None) -> None:
    """Run ``task`` after the current transaction commits, without a ``core_job`` row.

    For platform work that keeps its own log (webhook deliveries, the mail
    outbox). ``countdown`` delays the start by that many seconds.
    """
    _check(task, kwargs)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    on_commit(_Submit(app, task, dict(kwargs), None, countdown))


def enqueue(task_name: str, /, **kwargs: Any) -> int:
    """Run the registered task ``task_name`` in the background; return the job id.

    The job belongs to the current user (a job started by a job: that job's
    user), who follows its progress at ``/jobs/<id>``. Arguments must be
    JSON-ready. The task function receives them as keyword arguments, plus a
    ``progress(pct, message="")`` callable if it has a ``progress`` parameter.
    """
    _check(task_name, kwargs)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with own_or_join() as session:
        job = Job(
            task=task_name, module=task_name.split(".", 1)[0], user_id=acting_user_id(), kwargs=dict(kwargs),
            state="queued", progress=0, message="", attempts=0, created_at=utcnow(),
        )
        session.add(job)
        session.flush()
        job_id = job.id
        on_commit(_Submit(app, task_name, dict(kwargs), job_id, None), session)
    return job_id


def init_app(app: Flask) -> None:
    """Celery is built on first use (``celery_app.celery_init_app``), not on every app.

    The tables of the services that run as jobs (mail outbox, webhook
    deliveries) are mapped here so they exist in every app.
    """
    import core.mail  # noqa: F401
    import core.webhooks.models  # noqa: F401

    app.config.setdefault("CRM_JOB_THREADS", 2)
    app.config.setdefault("CRM_JOB_RETRY_DELAY", 10.0)
