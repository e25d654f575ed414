"""Helpers the benchmarks share: scratch databases, percentiles, real server processes, an HTTP client.

Benchmarks that time the CRM over HTTP start it the way production does (a
WSGI server in its own process) and time it from this process through one
keep-alive connection, so the figures include the server and the socket but
not the cost of opening a connection per request.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-" + "x" * 32


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """Median and 95th percentile (nearest rank) in milliseconds, rounded to 0.01."""
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def bench_config(url: str, folder: Path) -> dict[str, Any]:
    """App configuration for a benchmark database (fixed secret, instance files in ``folder``)."""
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "CRM_INSTANCE_PATH": str(folder)}


def server_env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment a server process reads the same configuration from."""
    env = dict(os.environ)
    env.update(CRM_DATABASE_URL=url, CRM_SECRET_KEY=SECRET, CRM_INSTANCE_PATH=str(folder), **extra)
    return env


@contextlib.contextmanager
def scratch_database(url: str | None) -> Iterator[tuple[str, Path]]:
    """A fresh database and instance folder, removed afterwards.

    No URL: a SQLite file in a temporary folder. A PostgreSQL URL names the
    database to use: it is dropped if it exists, created, and dropped again at
    the end (so point it at a name of its own, e.g. ``.../crm_bench``).
    """
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    admin: sa.Engine | None = None
    try:
        if not url:
            yield f"sqlite:///{folder / 'bench.sqlite3'}", folder
            return
        parsed = sa.make_url(url)
        if parsed.get_backend_name() != "postgresql":
            yield url, folder
            return
        name = parsed.database or f"crm_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield parsed.set(database=name).render_as_string(hide_password=False), folder
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A WSGI app served by gunicorn (``gthread`` workers, which keep connections alive) in its own process.

    ``app`` is gunicorn's ``module:callable`` spec. Output goes to a file so a
    full pipe can never block the server.
    """

    def __init__(self, app: str, env: dict[str, str], *, workers: int = 2, threads: int = 2, log: Path) -> None:
        self.port = free_port()
        self.log = log
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "60",
            "--timeout", "120", "--log-level", "warning", app,
        ]
        self._out = log.open("wb")
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def wait(self, path: str = "/healthz", timeout: float = 120.0) -> None:
        """Until every worker answers (a few requests on fresh connections) or ``timeout``."""
        deadline = time.monotonic() + timeout
        answered = 0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()[-4000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", path)
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    answered += 1
                    if answered >= 4:
                        return
                    continue
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log.read_text()[-4000:]}")

    def pids(self) -> list[int]:
        """The server process and all its descendants (gunicorn's workers)."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in task.read_text().split())
        return found

    def peak_rss_mb(self) -> float:
        """Sum of the peak resident set size (``VmHWM``) of the server and its workers."""
        total_kb = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                match = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
                total_kb += int(match.group(1)) if match else 0
        return round(total_kb / 1024, 1)

    def private_rss_mb(self) -> float:
        """Sum of the current private (anonymous) memory of the server and its workers: RSS without
        mapped database files and shared libraries."""
        total_kb = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                match = re.search(r"^RssAnon:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
                total_kb += int(match.group(1)) if match else 0
        return round(total_kb / 1024, 1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


class Client:
    """One keep-alive HTTP/1.1 connection with a small cookie jar (what a browser tab does)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes, http.client.HTTPResponse]:
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data, response

    def timed_get(self, path: str) -> tuple[float, int, bytes]:
        start = time.perf_counter()
        status, data, _response = self.request("GET", path)
        return (time.perf_counter() - start) * 1000, status, data

    def login(self, email: str, password: str) -> None:
        """Sign in through the real login form (CSRF token from the page)."""
        _status, page, _r = self.request("GET", "/login")
        match = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page)
        if match is None:
            raise RuntimeError("no CSRF token on /login")
        form = urlencode({"email": email, "password": password, "csrf_token": match.group(1).decode()})
        status, _body, _r = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"login as {email} failed: HTTP {status}")

    def close(self) -> None:
        self.conn.close()


def time_paths(client: Client, paths: Sequence[str], repeat: int, warm: int = 3) -> list[float]:
    """Milliseconds of ``repeat`` GETs cycling through ``paths`` (after ``warm`` untimed rounds)."""
    for _ in range(warm):
        for path in paths:
            client.timed_get(path)
    samples = []
    for i in range(repeat):
        path = paths[i % len(paths)]
        elapsed, status, body = client.timed_get(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:500]!r}")
        samples.append(elapsed)
    return samples
