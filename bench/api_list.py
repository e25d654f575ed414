"""REST API list pages on a big table: p50/p95 per scenario, in milliseconds.

Installs the sample ``notebook`` module on a fresh database, fills
``notebook_note`` with N rows (default one million) in one SQL statement,
then times ``GET /api/v1/notes`` through the app (token auth, record rule,
serialization included; no network) for: the first page, pages deep into the
table by following ``next``, a sort on an indexed text column, a filter, and a
user whose record rule is "own". Target: p95 ≤ 15 ms for 50 rows.

    python bench/api_list.py [--rows 1000000] [--database URL] [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import bench_config, percentiles  # noqa: E402

FILL_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO notebook_note (owner_id, created_at, updated_at, version, title, body, status, tags)
SELECT CASE WHEN i % 10 = 0 THEN :user ELSE :admin END, '2030-01-01 00:00:00',
       datetime('2030-01-01', '+' || i || ' seconds'), 1,
       'Note ' || ((i * 7919) % :rows), '', CASE WHEN i % 3 = 0 THEN 'done' ELSE 'open' END, '[]'
FROM n
"""

FILL_POSTGRES = """
INSERT INTO notebook_note (owner_id, created_at, updated_at, version, title, body, status, tags)
SELECT CASE WHEN i % 10 = 0 THEN :user ELSE :admin END, timestamp '2030-01-01',
       timestamp '2030-01-01' + i * interval '1 second', 1,
       'Note ' || ((i::bigint * 7919) % :rows), '', CASE WHEN i % 3 = 0 THEN 'done' ELSE 'open' END, '[]'
FROM generate_series(1, :rows) AS i
"""


def timed(client: Any, url: str, headers: dict[str, str]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.get_data(as_text=True)
    return elapsed, response.get_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", help="empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    os.environ["CRM_ADDONS_PATH"] = str(ROOT / "tests" / "addons" / "sample")
    import sqlalchemy as sa

    from core.app import create_app
    from core.extensions import db
    from core.lifecycle import ModuleManager
    from core.security.models import User
    from core.security.tokens import create_token

    folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    config = bench_config(url, folder)
    ModuleManager(create_app(config, modules=False)).install(["notebook"])
    app = create_app(config)
    tokens: dict[str, str] = {}
    with app.app_context():
        ids = {}
        for name, role in (("admin", "admin"), ("user", "user")):
            user = User(email=f"{name}@bench.example", role=role, password_hash="")
            db.session.add(user)
            db.session.flush()
            ids[name] = user.id
            tokens[name] = create_token(user, "bench")[1]
        fill = FILL_POSTGRES if db.engine.dialect.name == "postgresql" else FILL_SQLITE
        start = time.perf_counter()
        db.session.execute(sa.text(fill), {"rows": args.rows, "admin": ids["admin"], "user": ids["user"]})
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE notebook_note"))
        else:
            db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        fill_s = time.perf_counter() - start

    client = app.test_client()
    results: dict[str, Any] = {"rows": args.rows, "database": sa.make_url(url).get_backend_name(),
                               "fill_s": round(fill_s, 1)}
    scenarios = {
        "first_page": ("admin", "/api/v1/notes?limit=50"),
        "sort_title": ("admin", "/api/v1/notes?limit=50&sort=title"),
        "sort_updated_desc": ("admin", "/api/v1/notes?limit=50&sort=-updated_at"),
        "filter_status": ("admin", "/api/v1/notes?limit=50&status=done"),
        "own_rule": ("user", "/api/v1/notes?limit=50"),
    }
    for name, (who, url_) in scenarios.items():
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        timed(client, url_, headers)  # warm caches
        samples = [timed(client, url_, headers)[0] for _ in range(args.repeat)]
        results[name] = percentiles(samples)
    # deep pages: follow next from a cursor far into the table
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    _ms, page = timed(client, "/api/v1/notes?limit=200&sort=title", headers)
    samples = []
    for _ in range(args.repeat):
        elapsed, page = timed(client, f"/api/v1/notes?limit=50&sort=title&cursor={page['next']}", headers)
        samples.append(elapsed)
    results["following_next"] = percentiles(samples)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
