"""Running jobs without a broker: a thread pool in this process, or inline.

``python run.py`` without ``CRM_BROKER_URL`` hands each job, once the request
that enqueued it has committed, to a small process-wide thread pool. The
request returns at once; the job runs the same ``runner.execute`` code a
Celery worker would, with its own app context and database session. Retries
wait on a timer thread. Jobs still queued when the process stops are not
resumed (use a broker and ``crm worker`` when that matters).

Tests run jobs inline ("eager") right after the commit, so they can assert
the outcome without waiting; a retry there runs at once, and a delayed
submission (``countdown``) is left to whoever runs due work (the webhook
sweeper, for instance).

Periodic schedules without a broker run in ``LocalScheduler``: ``crm beat``
runs it in the foreground, and ``start_scheduler`` runs it on a daemon
thread of a web process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from core.declarations import Schedule
from core.jobs.runner import execute

log = logging.getLogger("crm.jobs")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_futures: set[Future[Any]] = set()


def _executor(app: Flask) -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            workers = int(app.config.get("CRM_JOB_THREADS", 2))
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crm-job")
        return _pool


def submit_thread(app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None,
                  attempt: int = 1, countdown: float | None = None) -> None:
    """Run the job on the pool (after ``countdown`` seconds, on a timer thread)."""
    if countdown:
        timer = threading.Timer(countdown, submit_thread, args=(app, task, kwargs, job_id, attempt))
        timer.daemon = True
        timer.start()
        return
    future = _executor(app).submit(_run_thread, app, task, kwargs, job_id, attempt)
    with _lock:
        _futures.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future[Any]) -> None:
    with _lock:
        _futures.discard(future)


def _run_thread(app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None, attempt: int) -> None:
    try:
        outcome = execute(app, task, kwargs, job_id, attempt)
    except Exception:  # bookkeeping itself failed (database gone): nothing to record it in
        log.exception("job %s (%s) crashed", job_id, task)
        return
    if outcome.state == "retry":
        submit_thread(app, task, kwargs, job_id, attempt + 1, countdown=outcome.delay)


def run_eager(app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None,
              countdown: float | None = None) -> None:
    """Run the job now, retrying at once as often as it may (tests)."""
    if countdown:
        log.info("eager mode: %s delayed by %ss is left for the sweeper", task, countdown)
        return
    attempt = 1
    while execute(app, task, kwargs, job_id, attempt).state == "retry":
        attempt += 1


def drain(timeout: float = 30.0) -> bool:
    """Wait until the thread pool has no job left; False on timeout (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            pending = list(_futures)
        if not pending:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        wait(pending, timeout=left)


# -- schedules without a broker ------------------------------------------------


class LocalScheduler:
    """Runs ``registry.schedules`` in this process, each due run on the thread pool.

    ``current_app`` is called on every tick so a web process that rebuilt its
    app after a module install schedules with the new registry.
    """

    def __init__(self, current_app: Callable[[], Flask], tick: float = 1.0) -> None:
        self.current_app = current_app
        self.tick = tick
        self.last: dict[str, datetime] = {}
        self.stop = threading.Event()

    def due(self, schedule: Schedule, now: datetime) -> bool:
        last = self.last.get(schedule.name)
        if last is None:
            self.last[schedule.name] = now  # first run one interval after start, like celery beat
            return False
        if schedule.seconds:
            return (now - last).total_seconds() >= schedule.seconds
        if schedule.crontab:
            from core.jobs.celery_app import parse_crontab

            return parse_crontab(schedule.crontab).is_due(last).is_due
        return False

    def run_once(self, now: datetime | None = None) -> list[str]:
        """Submit every schedule due at ``now``; return their names."""
        now = now or datetime.now(UTC)
        app = self.current_app()
        started = []
        for name, schedule in app.extensions["crm"].registry.schedules.items():
            if self.due(schedule, now):
                self.last[name] = now
                submit_thread(app, schedule.task, dict(schedule.kwargs), None)
                started.append(name)
        return started

    def run_forever(self) -> None:
        while not self.stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("local scheduler tick failed")
            self.stop.wait(self.tick)


def start_scheduler(current_app: Callable[[], Flask]) -> LocalScheduler:
    """Run schedules on a daemon thread of this (web) process; for ``python run.py`` without a broker."""
    scheduler = LocalScheduler(current_app)
    thread = threading.Thread(target=scheduler.run_forever, name="crm-scheduler", daemon=True)
    thread.start()
    return scheduler
