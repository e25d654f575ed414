"""Celery, integrated with the Flask app (Flask's ``celery_init_app`` pattern).

Every task in the registry becomes a Celery task of the same name whose body
is ``runner.execute`` inside an app context; schedules become the
``beat_schedule``. Results live in ``core_job`` (the progress page reads
them there), so Celery's own result store is not used. Imported only when a
broker is configured, so the web process without one never loads Celery.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from core.jobs.runner import execute
from core.registry import Registry

DEFAULT_QUEUE = "crm"


def parse_crontab(text: str) -> crontab:
    """Five-field cron text (``"30 2 * * 1"``) as a Celery ``crontab``."""
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(f"crontab {text!r} must have five fields: minute hour day-of-month month day-of-week")
    minute, hour, dom, month, dow = fields
    return crontab(minute=minute, hour=hour, day_of_month=dom, month_of_year=month, day_of_week=dow)


def beat_schedule(registry: Registry) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {}
    for name, sched in registry.schedules.items():
        when: Any = timedelta(seconds=sched.seconds) if sched.seconds else parse_crontab(sched.crontab or "")
        schedule[name] = {"task": sched.task, "schedule": when, "kwargs": {"kwargs": dict(sched.kwargs)}}
    return schedule


def celery_init_app(app: Flask) -> Celery:
    """The app's Celery object (built once, kept in ``app.extensions["celery"]``)."""
    existing = app.extensions.get("celery")
    if existing is not None:
        return existing

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config["CRM_BROKER_URL"]
    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.conf.update(
        broker_url=broker,
        result_backend=app.config.get("CRM_RESULT_BACKEND") or broker,
        task_ignore_result=True,
        task_default_queue=app.config.get("CRM_JOB_QUEUE") or DEFAULT_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule=beat_schedule(app.extensions["crm"].registry),
    )
    for name in app.extensions["crm"].registry.tasks:
        _register(celery, app, name)
    app.extensions["celery"] = celery
    return celery


def _register(celery: Celery, app: Flask, name: str) -> None:
    def run(self: Task, job_id: int | None = None, kwargs: dict[str, Any] | None = None, attempt: int = 1) -> str:
        outcome = execute(app, name, kwargs or {}, job_id, attempt)
        if outcome.state == "retry":
            self.apply_async(kwargs={"job_id": job_id, "kwargs": kwargs, "attempt": attempt + 1},
                             countdown=outcome.delay)
        return outcome.state

    celery.task(name=name, bind=True)(run)


def send(app: Flask, task: str, kwargs: dict[str, Any], job_id: int | None, countdown: float | None = None) -> None:
    """Put the job on the broker's queue."""
    celery = celery_init_app(app)
    celery.send_task(task, kwargs={"job_id": job_id, "kwargs": kwargs, "attempt": 1}, countdown=countdown)
