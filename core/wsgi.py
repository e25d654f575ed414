"""The WSGI entry point, and the development server behind ``python run.py``.

Installing or uninstalling a module changes which routes exist, and Flask
cannot remove routes from a running app. So each process serves through
``ModuleAwareApp``: it remembers the database's registry sequence (bumped by
every module operation) and builds a fresh app when it changes, checking at
most once a second. This works across any number of web processes because the
signal lives in the database. Gunicorn: ``gunicorn 'core.wsgi:application()'``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from flask import Flask

from core.app import create_app
from core.extensions import db
from core.lifecycle import ModuleManager, read_states, registry_seq
from core.loader import load_graph

log = logging.getLogger("crm")


class ModuleAwareApp:
    """A WSGI app that rebuilds the Flask app after module operations."""

    def __init__(self, config: dict[str, Any] | None = None, check_every: float = 1.0) -> None:
        self.config = config
        self.check_every = check_every
        self.lock = threading.Lock()
        self.app = create_app(config)
        self.checked = time.monotonic()

    def current(self) -> Flask:
        now = time.monotonic()
        if now - self.checked < self.check_every:
            return self.app
        with self.lock:
            if now - self.checked >= self.check_every:
                self.checked = now
                try:
                    with self.app.app_context(), db.engine.connect() as conn:
                        seq = registry_seq(conn)
                except Exception:  # database down: keep serving; /healthz reports it
                    return self.app
                if seq != self.app.extensions["crm"].seq:
                    log.info("modules changed (registry %s -> %s): rebuilding the app", self.app.extensions["crm"].seq, seq)
                    self.app = create_app(self.config)
        return self.app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.current()(environ, start_response)


def bootstrap(config: dict[str, Any] | None = None, echo: Any = print) -> None:
    """On a fresh database: create core's tables and install the default modules.

    Default modules are every bundled application module, or those named in
    ``CRM_MODULES`` (with their dependencies).
    """
    maintenance = create_app(config, modules=False)
    graph = load_graph()
    manager = ModuleManager(maintenance, graph, echo=echo)
    manager.upgrade_core()
    with maintenance.app_context(), db.engine.connect() as conn:
        states = read_states(conn)
    if states:
        manager.upgrade()
        return
    wanted = maintenance.config.get("CRM_MODULES") or sorted(
        n for n, m in graph.manifests.items() if m.origin == "bundled" and not m.auto_install
    )
    if wanted:
        manager.install(list(wanted))


def application(config: dict[str, Any] | None = None) -> ModuleAwareApp:
    """Factory for WSGI servers."""
    return ModuleAwareApp(config)


def serve(host: str | None = None, port: int | None = None, config: dict[str, Any] | None = None) -> None:
    from werkzeug.serving import run_simple

    bootstrap(config)
    wsgi = ModuleAwareApp(config)
    cfg = wsgi.app.config
    host = host or cfg.get("CRM_HOST") or "127.0.0.1"
    port = int(port or cfg.get("CRM_PORT") or 5000)
    if not cfg.get("CRM_BROKER_URL"):  # no crm beat needed: schedules run in this process (core.jobs.local)
        from core.jobs.local import start_scheduler

        start_scheduler(wsgi.current)
    print(f"crm-suite serving on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, wsgi, threaded=True, use_reloader=False)
