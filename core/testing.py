"""pytest plugin for core and module tests (registered as ``crm_testing``).

Fixtures:

- ``crm_db_url``: a fresh, empty database for the test. SQLite by default;
  with ``CRM_TEST_DATABASE_URL=postgresql+psycopg://...`` a new PostgreSQL
  database created for the test and dropped after it.
- ``make_app(modules=(), demo=False, config=None)``: an app whose database has
  ``modules`` installed. Installed databases are built once per session and
  copied (SQLite file copy, PostgreSQL ``TEMPLATE``), so a fresh database per
  test stays cheap.
- ``app``: ``make_app`` with the modules of ``@pytest.mark.crm_modules(...)``.
- ``client``: a test client of ``app``.
- ``crm_cli``: run ``crm ...`` against the test database; returns click's Result.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask import Flask

TEST_URL_ENV = "CRM_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "crm_modules(*names, demo=False): modules the `app` fixture installs")


def _server_url() -> str | None:
    return os.environ.get(TEST_URL_ENV) or None


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _pg_url(base: str, name: str) -> str:
    return sa.make_url(base).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block (query-count tests)."""
    from core.extensions import db

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def query_plan(engine: sa.Engine, sql: str, parameters: Any = None) -> str:
    """The database's plan of ``sql`` on one line (plan tests: which index a query reads).

    PostgreSQL plans with sequential scans off, so a test's few rows are read the
    way a big table's would be; SQLite gives its ``EXPLAIN QUERY PLAN`` details.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            return " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, parameters))
        return " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters))


def create_database(template: str | None = None, *, folder: Path) -> str:
    """A new empty database (or a copy of ``template``); returns its URL."""
    base = _server_url()
    if base is None:
        path = folder / f"crm-{uuid.uuid4().hex[:8]}.sqlite3"
        if template is not None:
            shutil.copyfile(sa.make_url(template).database, path)  # type: ignore[arg-type]
        return f"sqlite:///{path}"
    name = f"crm_t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(base)
    with engine.connect() as conn:
        tpl = f' TEMPLATE "{sa.make_url(template).database}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{tpl}')
    engine.dispose()
    return _pg_url(base, name)


def drop_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    base = _server_url()
    assert base is not None
    engine = _admin_engine(base)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    engine.dispose()


def dispose(app: Flask) -> None:
    from core.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def base_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "CRM_INSTANCE_PATH": str(instance),
        "CRM_ENV": "testing",
        "TESTING": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    }


class TemplateCache:
    """Databases with a given set of modules installed, built once per session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.urls: dict[str, str] = {}

    def get(self, modules: tuple[str, ...], demo: bool) -> str:
        addons = os.environ.get("CRM_ADDONS_PATH", "")
        key = hashlib.sha1(repr((sorted(modules), demo, addons, _server_url())).encode()).hexdigest()[:12]
        if key not in self.urls:
            url = create_database(folder=self.folder)
            try:
                self._build(url, modules, demo)
            except BaseException:
                drop_database(url)  # a set of modules that cannot install (a test expecting that)
                raise
            self.urls[key] = url
        return self.urls[key]

    def _build(self, url: str, modules: tuple[str, ...], demo: bool) -> None:
        from core.app import create_app
        from core.extensions import db
        from core.lifecycle import ModuleManager

        app = create_app(base_config(url, self.folder), modules=False)
        try:
            manager = ModuleManager(app)
            manager.upgrade_core()
            if modules:
                manager.install(list(modules), demo=demo)
            if url.startswith("sqlite"):
                with app.app_context(), db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dispose(app)

    def drop_all(self) -> None:
        for url in self.urls.values():
            drop_database(url)


@pytest.fixture(scope="session")
def crm_template_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateCache]:
    cache = TemplateCache(tmp_path_factory.mktemp("crm-templates"))
    yield cache
    cache.drop_all()


@pytest.fixture
def crm_db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh empty database for this test."""
    url = create_database(folder=tmp_path)
    yield url
    drop_database(url)


@pytest.fixture
def make_app(
    tmp_path: Path, crm_template_cache: TemplateCache
) -> Iterator[Callable[..., Flask]]:
    """Factory: ``make_app(modules=("contacts",), demo=False, config={...})``."""
    apps: list[Flask] = []
    urls: list[str] = []

    def factory(modules: tuple[str, ...] | list[str] = (), demo: bool = False, config: dict[str, Any] | None = None) -> Flask:
        from core.app import create_app

        template = crm_template_cache.get(tuple(modules), demo)
        url = create_database(template, folder=tmp_path)
        urls.append(url)
        cfg = base_config(url, tmp_path)
        cfg.update(config or {})
        app = create_app(cfg)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        dispose(app)
    for url in urls:
        drop_database(url)


@pytest.fixture
def app(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    marker = request.node.get_closest_marker("crm_modules")
    modules = tuple(marker.args) if marker else ()
    demo = bool(marker.kwargs.get("demo", False)) if marker else False
    return make_app(modules, demo=demo)


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def crm_cli(crm_db_url: str, tmp_path: Path) -> Callable[..., Result]:
    """``crm_cli("modules", "install", "x")`` runs the real command line on the test database."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        from core.cli import main

        runner = CliRunner()
        environ = {
            "CRM_DATABASE_URL": crm_db_url,
            "CRM_INSTANCE_PATH": str(tmp_path),
            "CRM_SECRET_KEY": "test-secret-key-not-for-production",
            **(env or {}),
        }
        return runner.invoke(_standalone(main), list(args), input=input, env=environ, catch_exceptions=False)

    run.url = crm_db_url  # type: ignore[attr-defined]
    return run


def _standalone(main: Callable[..., Any]) -> Any:
    import click

    @click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
    @click.pass_context
    def wrapper(ctx: click.Context) -> None:
        main(list(ctx.args))

    return wrapper


# ---------------------------------------------------------------------------
# Accounts (core.security): users per role, log-in with a real CSRF token.
#
#   user = make_user(app, role="manager", department=dep_id)   # fixture (factory)
#   client = client_as(app, "user")                              # fixture: logged-in test client
#   login(client, email, password); logout(client); csrf_token(client, url)
#
# CSRF stays enabled in tests: helpers read the token from a rendered page.
# ---------------------------------------------------------------------------

#: the password ``make_user`` gives users unless told otherwise
TEST_PASSWORD = "Tr0ub4dor&3-but-longer"

_CSRF_PATTERNS = (
    r'name="csrf_token"[^>]*?value="([^"]+)"',
    r'<meta name="csrf-token" content="([^"]+)"',
)


def csrf_token(client: Any, url: str = "/login") -> str:
    """The CSRF token of ``client``'s session, read from the page at ``url``."""
    import re

    response = client.get(url)
    text = response.get_data(as_text=True)
    for pattern in _CSRF_PATTERNS:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token in the page at {url} (HTTP {response.status_code})")


def login(client: Any, email: str, password: str = TEST_PASSWORD) -> Any:
    """Sign in through the real login form; returns the POST's response (302 on success)."""
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def logout(client: Any) -> Any:
    return client.post("/logout", data={"csrf_token": csrf_token(client)})


def make_department(app: Flask, name: str, parent: int | None = None, head: int | None = None) -> int:
    """Create a department (``parent``: id of the enclosing one); returns its id."""
    from core.extensions import db
    from core.security import service

    with app.app_context():
        dep = service.save_department(None, name=name, parent_id=parent, head_id=head)
        db.session.commit()
        return dep.id


def create_user(
    app: Flask,
    role: str = "user",
    department: int | str | None = None,
    email: str | None = None,
    password: str = TEST_PASSWORD,
    name: str = "",
    active: bool = True,
) -> Any:
    """A user in ``app``'s database; ``department`` is an id or a name (created if new).

    Returns the (detached) ``User``, with the clear-text ``password`` attached.
    """
    import sqlalchemy as sa

    from core.extensions import db
    from core.security import service
    from core.security.models import Department

    if isinstance(department, str):
        with app.app_context():
            found = db.session.scalar(sa.select(Department.id).where(Department.name == department))
            db.session.remove()  # end the read before make_department writes (SQLite locks)
        department = found if found is not None else make_department(app, department)
    with app.app_context():
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.test"
        user = service.create_user(email, password, role=role, name=name, department_id=department, active=active)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    user.password = password
    return user


@pytest.fixture
def make_user() -> Callable[..., Any]:
    """Factory: ``make_user(app, role="user", department=None, email=None, password=TEST_PASSWORD)``."""
    return create_user


@pytest.fixture
def client_as() -> Callable[..., Any]:
    """Factory: ``client_as(app, "manager", department=...)`` is a test client logged in as a
    fresh user with that role (``client.user`` is the user)."""

    def factory(app: Flask, role: str = "user", **user_options: Any) -> Any:
        user = create_user(app, role, **user_options)
        client = app.test_client()
        response = login(client, user.email, user.password)
        assert response.status_code == 302, f"login as {role} failed: HTTP {response.status_code}"
        client.user = user
        return client

    return factory


# ---------------------------------------------------------------------------
# A real server process (browser tests, API fuzzing)
# ---------------------------------------------------------------------------

_SERVER = """
import json, logging, sys
from pathlib import Path
from werkzeug.serving import make_server
from core.app import create_app

logging.getLogger("werkzeug").setLevel(logging.WARNING)
app = create_app(json.loads(sys.argv[1]))
server = make_server("127.0.0.1", 0, app, threaded=True)
Path(sys.argv[2]).write_text(str(server.port))
server.serve_forever()
"""


@contextlib.contextmanager
def live_server_process(
    config: dict[str, Any], folder: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[str]:
    """Serve ``create_app(config)`` from a separate process on 127.0.0.1 and a free port; yield its base URL.

    Output goes to ``folder/server.log`` (a pipe nobody reads would fill up and
    block the server); the process is terminated on exit.
    """
    import json
    import subprocess
    import sys
    import time

    port_file, log_file = folder / "server.port", folder / "server.log"
    port_file.unlink(missing_ok=True)
    with log_file.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, json.dumps(config), str(port_file)],
            stdout=log, stderr=subprocess.STDOUT, env=env or dict(os.environ),
            cwd=Path(__file__).resolve().parent.parent,
        )
    try:
        deadline = time.monotonic() + timeout
        while not port_file.exists() or not port_file.read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log_file.read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
