"""Start-up time of the CRM with all modules against a bare Flask app with the same extensions.

Each measurement is a fresh Python process timed from interpreter start to a
ready app (imports included), so it is what a worker restart costs. Prints
one JSON line: crm_ms, bare_ms (medians), ratio, and the modules loaded.

    python bench/startup.py [--runs 5] [--database URL] [--addons DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CRM = """
import time, sys
t0 = time.perf_counter()
from core.app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x" * 32})
app.test_client().get("/healthz")
print(time.perf_counter() - t0, len(app.extensions["crm"].installed))
"""

BARE = """
import time, sys
t0 = time.perf_counter()
import sqlalchemy as sa
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from celery import Celery
db = SQLAlchemy()
app = Flask("bare")
app.config.update(SQLALCHEMY_DATABASE_URI=sys.argv[1], SECRET_KEY="x" * 32)
db.init_app(app)
LoginManager(app)
CSRFProtect(app)
Babel(app)
Limiter(get_remote_address, app=app, storage_uri="memory://")
Celery("bare", task_always_eager=True)
@app.get("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
app.test_client().get("/healthz")
print(time.perf_counter() - t0, 0)
"""


def measure(code: str, url: str, runs: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", code, url], capture_output=True, text=True, cwd=ROOT, env=os.environ.copy(), check=True
        )
        seconds, count_s = proc.stdout.strip().splitlines()[-1].split()
        times.append(float(seconds) * 1000)
        count = int(count_s)
    return statistics.median(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--addons", help="also install the modules in this CRM_ADDONS_PATH folder")
    args = parser.parse_args()
    if args.addons:
        os.environ["CRM_ADDONS_PATH"] = args.addons
    sys.path.insert(0, str(ROOT))
    from core.app import create_app
    from core.lifecycle import ModuleManager
    from core.loader import load_graph
    from core.testing import dispose

    tmp = tempfile.mkdtemp()
    url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32, "CRM_INSTANCE_PATH": tmp}, modules=False)
    graph = load_graph()
    manager = ModuleManager(app, graph)
    every = sorted(graph.manifests)
    missing = [n for n in every if n not in manager.installed()]
    if missing:
        manager.install(missing)
    dispose(app)
    crm_ms, loaded = measure(CRM, url, args.runs)
    bare_ms, _ = measure(BARE, url, args.runs)
    print(json.dumps({
        "crm_ms": round(crm_ms, 1), "bare_ms": round(bare_ms, 1), "ratio": round(crm_ms / bare_ms, 2),
        "modules_loaded": loaded, "runs": args.runs, "database": url.split(":")[0],
    }))


if __name__ == "__main__":
    main()
