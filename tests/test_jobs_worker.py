"""One job on a real ``crm worker`` process, through this machine's Redis.

The worker is a separate process started like in production; it reads the
same test database (a SQLite file or a PostgreSQL database) and a queue
named for this test only, so parallel test runs on one Redis do not steal
each other's jobs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core.extensions import db
from core.jobs import Job, enqueue

REDIS = ("127.0.0.1", 6379)
BROKER = f"redis://{REDIS[0]}:{REDIS[1]}/0"
ROOT = Path(__file__).resolve().parent.parent


def redis_reachable() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def queue() -> str:
    name = f"crm-test-{uuid.uuid4().hex[:12]}"
    yield name
    import redis

    client = redis.Redis(host=REDIS[0], port=REDIS[1], db=0)
    client.delete(name, f"_kombu.binding.{name}")
    client.close()


@pytest.mark.skipif(not redis_reachable(), reason="Redis is not reachable at 127.0.0.1:6379 (CI has it)")
def test_a_job_runs_on_a_real_celery_worker(addons, make_app, queue: str, tmp_path: Path) -> None:
    addons_path = addons("services")
    app = make_app(("jobber",), config={"CRM_BROKER_URL": BROKER, "CRM_JOB_QUEUE": queue})
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = {
        **os.environ,
        "CRM_DATABASE_URL": url,
        "CRM_BROKER_URL": BROKER,
        "CRM_JOB_QUEUE": queue,
        "CRM_ADDONS_PATH": addons_path,
        "CRM_INSTANCE_PATH": str(tmp_path),
        "CRM_SECRET_KEY": "test-secret-key-not-for-production",
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "worker", "--pool=solo", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        with app.app_context():
            job_id = enqueue("jobber.add", a=40, b=2)
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline:
            with app.app_context():
                row = db.session.get(Job, job_id)
                state, result = row.state, row.result
                db.session.remove()
            if state in ("done", "failed") or worker.poll() is not None:
                break
            time.sleep(0.3)
        assert state == "done", f"job state {state!r} after waiting; worker log:\n{log.read_text()[-3000:]}"
        assert result == {"sum": 42}
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
