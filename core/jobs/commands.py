"""``crm worker`` and ``crm beat``: the processes that run jobs when a broker is configured.

Both build the app once (reading the installed modules from the database),
so a worker knows the tasks of the modules installed when it started:
restart workers after installing a module, as with any code deployment.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask


def _app() -> Flask:
    from core.app import create_app

    return create_app()


def _no_broker() -> None:
    click.secho(
        "Error: CRM_BROKER_URL is not set. Without a broker, jobs run inside the web process "
        "(README, 'Background jobs'); set CRM_BROKER_URL=redis://127.0.0.1:6379/0 to use workers.",
        fg="red", err=True,
    )
    sys.exit(1)


def run_worker(args: list[str]) -> None:
    app = _app()
    if not app.config.get("CRM_BROKER_URL"):
        _no_broker()
    from celery.signals import worker_process_init

    from core.extensions import db
    from core.jobs.celery_app import celery_init_app

    celery = celery_init_app(app)

    def fresh_connections(**_kwargs: Any) -> None:
        """A forked pool process must not share the parent's database connections."""
        with app.app_context():
            db.engine.dispose(close=False)

    worker_process_init.connect(fresh_connections, weak=False)
    celery.worker_main(["worker", "--loglevel=INFO", *args])


def run_beat(args: list[str]) -> None:
    app = _app()
    if not app.config.get("CRM_BROKER_URL"):
        from core.jobs.local import LocalScheduler

        names = ", ".join(app.extensions["crm"].registry.schedules) or "none"
        click.echo(f"no CRM_BROKER_URL: running schedules in this process ({names}); Ctrl+C to stop")
        try:
            LocalScheduler(lambda: app).run_forever()
        except KeyboardInterrupt:
            pass
        return
    from core.jobs.celery_app import celery_init_app

    celery = celery_init_app(app)
    schedule = Path(app.instance_path) / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery.start(["beat", "--loglevel=INFO", "-s", str(schedule), *args])
