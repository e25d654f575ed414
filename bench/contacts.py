"""The contacts module at a million customers, over HTTP from a real server process.

    python bench/contacts.py [--rows 1000000] [--database URL] [--repeat 200]

1. Installs ``contacts`` on a fresh database (a temporary SQLite file, or the
   PostgreSQL database the URL names: dropped, created and dropped again at
   the end) and fills it with N realistic customers (English, German and
   Chinese people; N/20 companies; stages, tiers, owners in departments;
   ``name_key``/``email_key``/``phone_key`` filled as the module fills them).
   The fill is a bulk load: secondary indexes are dropped, rows are written
   with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), the indexes are
   built again and the tables analysed.
2. Starts the CRM (``core.wsgi:application()``) and a bare Flask +
   SQLAlchemy app (``bench/_bare.py``) under gunicorn, two ``gthread``
   workers each. gunicorn because that is how the CRM runs in production
   (pre-forked worker processes, so the peak memory figure is real); the
   ``gthread`` worker because it keeps connections alive (the ``sync`` worker
   closes each one, and every sample would then pay a TCP handshake).
3. Times, from this process through one keep-alive connection per user:
   the HTML contacts list (50 rows, default sort, one filter), the same list
   from ``/api/v1/contacts``, list searches (name prefix, e-mail, phone) and
   the bare endpoint returning the same 50 rows as JSON.
4. Stops the servers, then imports a 100,000-row CSV through the module's
   importer (validation and dedupe against the million rows) and inserts the
   same rows with a plain ``executemany`` for comparison.

Prints one JSON line. Targets at 1M rows: page and search p95 ≤ 25 ms, API
p95 ≤ 15 ms, ratio_vs_bare ≤ 3, import ≥ 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench._common import (  # noqa: E402
    Client,
    Server,
    bench_config,
    percentiles,
    scratch_database,
    server_env,
    time_paths,
)
from bench._people import COMPANY_COLUMNS, CONTACT_COLUMNS, People  # noqa: E402

PASSWORD = "Bench-password-4-contacts!"
DEPARTMENTS = ("Sales Berlin", "Sales Shanghai", "Sales New York")
#: sellers owning the customers (one of them is the "own rule" user)
SELLERS = 20
CHUNK = 50_000


# -- filling the database ------------------------------------------------------------


def secondary_indexes(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of ``table``'s indexes that no constraint needs."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(sa.text(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:t AS regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)"
        ), {"t": table})
    else:
        rows = conn.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
        ), {"t": table})
    return [(name, sql) for name, sql in rows]


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy would store on SQLite (its DateTime text format keeps keyset comparisons exact)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def bulk_load(engine: sa.Engine, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert ``rows`` fast: without secondary indexes and constraint checks, which are rebuilt after."""
    with engine.connect() as conn:
        indexes = secondary_indexes(conn, table)
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        conn.commit()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        names = ", ".join(columns)
        if engine.dialect.name == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # no FK triggers: the rows are consistent
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SET session_replication_role = DEFAULT")
            raw.commit()
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            batch: list[tuple[Any, ...]] = []
            cursor.execute("BEGIN")
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) >= CHUNK:
                    cursor.executemany(sql, batch)
                    batch.clear()
            cursor.executemany(sql, batch)
            cursor.execute("COMMIT")
            cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
    finally:
        raw.close()
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
        conn.commit()


def fill(engine: sa.Engine, rows: int, owners: list[tuple[int, int | None]]) -> dict[str, float]:
    people = People(owners)
    companies = max(1, rows // 20)
    start = time.perf_counter()
    bulk_load(engine, "contacts_company", COMPANY_COLUMNS, (people.company(i) for i in range(1, companies + 1)))
    bulk_load(engine, "contacts_contact", CONTACT_COLUMNS, people.contacts(1, rows, companies))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # PostgreSQL: VACUUM sets the visibility map (what autovacuum does to a table loaded long ago),
        # so counts can be answered from indexes alone
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    return {"fill_s": round(time.perf_counter() - start, 1)}


def make_users(app: Any) -> tuple[list[tuple[int, int | None]], dict[str, str], dict[str, str]]:
    """Sellers in departments (owners of the data), an admin and a plain user; API tokens for both."""
    from core.extensions import db
    from core.security import service
    from core.security.tokens import create_token

    owners: list[tuple[int, int | None]] = []
    emails = {"admin": "admin@bench.example", "user": "seller0@bench.example"}
    tokens: dict[str, str] = {}
    with app.app_context():
        departments = [service.save_department(None, name=name, parent_id=None, head_id=None) for name in DEPARTMENTS]
        db.session.flush()
        admin = service.create_user(emails["admin"], PASSWORD, role="admin", name="Bench Admin")
        for i in range(SELLERS):
            dep = departments[i % len(departments)]
            seller = service.create_user(f"seller{i}@bench.example", PASSWORD, role="user", name=f"Seller {i}",
                                         department_id=dep.id)
            db.session.flush()
            owners.append((seller.id, dep.id))
            if i == 0:
                tokens["user"] = create_token(seller, "bench")[1]
        tokens["admin"] = create_token(admin, "bench")[1]
        db.session.commit()
    return owners, emails, tokens


# -- what to time ----------------------------------------------------------------------


def list_page(app: Any) -> tuple[str | None, str | None]:
    """URL of the contacts list page and the URL parameter of its lifecycle-stage filter."""
    from flask import url_for

    for bp in app.blueprints.values():
        crud = getattr(bp, "crm_crud", None)
        if crud is None or getattr(crud.model, "__tablename__", "") != "contacts_contact":
            continue
        with app.test_request_context():
            url = url_for(f"{bp.name}.list")
        stage = next((f.name for f in crud.list.filters if f.attr == "lifecycle_stage"), None)
        return url, stage
    return None, None


def search_terms(engine: sa.Engine) -> list[str]:
    """Name prefixes, e-mail addresses and phone numbers as a user types them, taken from the data."""
    with engine.connect() as conn:
        picked = conn.execute(sa.text(
            "SELECT first_name, last_name, email, phone FROM contacts_contact WHERE id IN (7, 777, 77777, 177777)"
        )).all()
    terms = ["Müll", "wang", "Sarah W", "李"]
    for first, last, email, phone in picked:
        terms.append(email)
        terms.append(phone)
        terms.append(f"{first} {last[:2]}" if first else last)
    return terms


def measure(app: Any, url: str, folder: Path, users: dict[str, str], tokens: dict[str, str], repeat: int,
            engine: sa.Engine) -> dict[str, Any]:
    results: dict[str, Any] = {}
    env = server_env(url, folder)
    crm = Server("core.wsgi:application()", env, log=folder / "crm-server.log")
    bare = Server("bench._bare:create()", env, log=folder / "bare-server.log")
    try:
        crm.wait()
        bare.wait()
        page, stage_param = list_page(app)
        if page is not None:
            browser = Client(crm.port)
            browser.login(users["admin"], PASSWORD)
            query = f"?{stage_param}=customer" if stage_param else ""
            samples = time_paths(browser, [page + query], repeat)
            figures = percentiles(samples)
            results["page_p50_ms"], results["page_p95_ms"] = figures["p50_ms"], figures["p95_ms"]
            paths = [f"{page}?q={quote(term)}" for term in search_terms(engine)]
            results["search_p95_ms"] = percentiles(time_paths(browser, paths, repeat))["p95_ms"]
            seller = Client(crm.port)
            seller.login(users["user"], PASSWORD)
            results["page_own_p95_ms"] = percentiles(time_paths(seller, [page + query], repeat))["p95_ms"]
            browser.close()
            seller.close()
        api = Client(crm.port, {"Authorization": f"Bearer {tokens['admin']}"})
        api_path = "/api/v1/contacts?" + urlencode({"lifecycle_stage": "customer", "sort": "-updated_at", "limit": 50})
        status, _body, _r = api.request("GET", api_path)
        if status == 200:
            results["api_p95_ms"] = percentiles(time_paths(api, [api_path], repeat))["p95_ms"]
        api.close()
        plain = Client(bare.port)
        results["bare_p95_ms"] = percentiles(time_paths(plain, ["/contacts?lifecycle_stage=customer"], repeat))["p95_ms"]
        plain.close()
        if "api_p95_ms" in results:
            results["ratio_vs_bare"] = round(results["api_p95_ms"] / results["bare_p95_ms"], 2)
        results["peak_rss_mb"] = crm.peak_rss_mb()
        results["private_rss_mb"] = crm.private_rss_mb()
    finally:
        crm.stop()
        bare.stop()
    return results


# -- import against plain inserts ---------------------------------------------------------

IMPORT_FIELDS = ("first_name", "last_name", "email", "phone", "mobile", "street", "city", "region", "postal_code",
                 "country", "position", "birthday", "gender", "age_group", "source_channel", "tier",
                 "lifecycle_stage", "annual_spend")
#: every n-th imported row repeats an existing customer's e-mail address (dedupe must find it)
DUPLICATE_EVERY = 20


def import_rows(engine: sa.Engine, start: int, count: int, owners: list[tuple[int, int | None]]) -> list[tuple[Any, ...]]:
    """New customers generated like the rest (another seed), 5% of them already in the database."""
    people = People(owners, seed=9)
    rows = list(people.contacts(start, count, 0))
    email = CONTACT_COLUMNS.index("email")
    with engine.connect() as conn:
        known = list(conn.execute(sa.text("SELECT email FROM contacts_contact WHERE id % 97 = 5 LIMIT :n"),
                                  {"n": count // DUPLICATE_EVERY + 1}).scalars())
    for n, i in enumerate(range(0, len(rows), DUPLICATE_EVERY)):
        if n < len(known):
            row = list(rows[i])
            row[email], row[email + 1] = known[n], known[n].lower()
            rows[i] = tuple(row)
    return rows


def write_csv(path: Path, rows: list[tuple[Any, ...]]) -> None:
    index = [CONTACT_COLUMNS.index(name) for name in IMPORT_FIELDS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(IMPORT_FIELDS)
        out.writerows([row[i] for i in index] for row in rows)


def raw_insert(engine: sa.Engine, rows: list[tuple[Any, ...]]) -> float:
    """Rows per second of a plain DB-API ``executemany`` of ``rows`` (removed again afterwards)."""
    names = ", ".join(CONTACT_COLUMNS)
    postgres = engine.dialect.name == "postgresql"
    marks = ", ".join(("%s" if postgres else "?") for _ in CONTACT_COLUMNS)
    values = rows if postgres else [tuple(_sqlite_value(v) for v in row) for row in rows]
    with engine.connect() as conn:
        top = conn.execute(sa.text("SELECT max(id) FROM contacts_contact")).scalar() or 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        if not postgres:
            cursor.execute("BEGIN")
        cursor.executemany(f"INSERT INTO contacts_contact ({names}) VALUES ({marks})", values)
        raw.commit() if postgres else cursor.execute("COMMIT")
        elapsed = time.perf_counter() - start
        cursor.close()
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execute(sa.text("DELETE FROM contacts_contact WHERE id > :top"), {"top": top})
        conn.commit()
    if postgres:
        # the importer comes next: it should find the table as it was, not 100,000 dead rows in the
        # heap and every index (autovacuum waits for 20% of a table to change before it cleans up)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM contacts_contact")
    return len(rows) / elapsed


def run_import(app: Any, path: Path, rows: int) -> tuple[float, dict[str, int]] | None:
    """Rows per second of the module's importer (checks, dedupe: skip), or None when it is not there yet."""
    try:
        from modules.contacts.importer import ImportOptions, import_file
    except ImportError:
        return None

    with app.app_context():
        start = time.perf_counter()
        result = import_file(path, ImportOptions(on_error="skip", dedupe="skip", commit=True))
        elapsed = time.perf_counter() - start
    if result.error:
        raise RuntimeError(f"import failed: {result.error}")
    counts = {"import_created": result.created, "import_skipped": result.skipped, "import_failed": result.failed}
    return rows / elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", help="PostgreSQL URL of a database to create and drop (default: SQLite file)")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per figure")
    parser.add_argument("--import-rows", type=int, default=100_000)
    args = parser.parse_args()

    from core.app import create_app
    from core.extensions import db
    from core.lifecycle import ModuleManager

    with scratch_database(args.database) as (url, folder):
        config = bench_config(url, folder)
        ModuleManager(create_app(config, modules=False), echo=lambda *a, **k: None).install(["contacts"])
        app = create_app(config)
        owners, users, tokens = make_users(app)
        with app.app_context():
            engine = db.engine
            result: dict[str, Any] = {"rows": args.rows, "database": engine.dialect.name}
            result.update(fill(engine, args.rows, owners))
        result.update(measure(app, url, folder, users, tokens, args.repeat, engine))
        rows = import_rows(engine, args.rows + 1, args.import_rows, owners)
        csv_path = folder / "import.csv"
        write_csv(csv_path, rows)
        result["raw_insert_rows_per_s"] = round(raw_insert(engine, rows))
        imported = run_import(app, csv_path, len(rows))
        if imported is not None:
            result["import_rows_per_s"] = round(imported[0])
            result["import_ratio_vs_raw"] = round(result["raw_insert_rows_per_s"] / imported[0], 2)
            result.update(imported[1])
        with app.app_context():
            db.engine.dispose()
        keys = ("page_p50_ms", "page_p95_ms", "api_p95_ms", "search_p95_ms", "bare_p95_ms", "ratio_vs_bare",
                "import_rows_per_s", "raw_insert_rows_per_s", "import_ratio_vs_raw", "peak_rss_mb")
        ordered = {k: result.get(k) for k in keys}
        ordered.update({k: v for k, v in result.items() if k not in ordered})
        print(json.dumps(ordered, ensure_ascii=False))


if __name__ == "__main__":
    main()
