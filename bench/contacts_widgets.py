"""Dashboard widgets, segment counts and the timeline of the contacts module at N customers.

    python bench/contacts_widgets.py [--rows 1000000] [--database URL] [--repeat 5] [--reuse URL]

Fills a database the way ``bench/contacts.py`` does (plus one interaction per
ten customers), then renders each contacts widget in-process for three
readers: an administrator (rule "all"), a manager (rule "team", one of three
departments) and a sales rep (rule "own", 1/20 of the customers); and counts
three segments (indexed stage, custom JSON value, last interaction). Prints one
JSON line of median milliseconds. ``--reuse URL`` keeps a filled database
between runs (filled on first use).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench._common import bench_config, scratch_database  # noqa: E402
from bench.contacts import fill, make_users  # noqa: E402


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm caches (statement cache, pages)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def add_interactions(engine: sa.Engine) -> None:
    """One interaction per ten contacts, spread over the last two years (a plain INSERT ... SELECT)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            when = "now() - (id % 730) * interval '1 day'"
        else:
            when = "datetime('now', '-' || (id % 730) || ' days')"
        conn.execute(sa.text(
            "INSERT INTO contacts_interaction (contact_id, company_id, channel, direction, occurred_at, summary, "
            "owner_id, department_id, created_at, updated_at, version) "
            f"SELECT id, company_id, 'call', 'outbound', {when}, 'Bench call', owner_id, department_id, "
            "created_at, updated_at, 1 FROM contacts_contact WHERE id % 10 = 0"
        ))
        conn.execute(sa.text(
            "UPDATE contacts_contact SET last_interaction_at = "
            "(SELECT max(occurred_at) FROM contacts_interaction i WHERE i.contact_id = contacts_contact.id) "
            "WHERE id % 10 = 0"
        ))
        conn.exec_driver_sql("ANALYZE")


def prepare(url: str, folder: Path, rows: int) -> Any:
    from core.app import create_app
    from core.lifecycle import ModuleManager

    app = create_app(bench_config(url, folder), modules=False)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        filled = sa.inspect(conn).has_table("contacts_contact") and conn.exec_driver_sql(
            "SELECT count(*) FROM contacts_contact").scalar()
    if not filled:
        manager = ModuleManager(app)
        manager.upgrade_core()
        manager.install(["contacts"])
        owners, _emails, _tokens = make_users(create_app(bench_config(url, folder)))
        fill(engine, rows, owners)
        add_interactions(engine)
    engine.dispose()
    app = create_app(bench_config(url, folder))
    from core import toolkit
    from modules.contacts.reports import refresh_completeness

    with app.app_context():
        start = time.perf_counter()
        scored = refresh_completeness(limit=2 * rows + 10, everything=not filled)
        toolkit.db.session.commit()
        app.config["BENCH_SCORE_S"] = round(time.perf_counter() - start, 1) if scored else None
    if scored and url.startswith("postgresql"):
        # what autovacuum does in production after a bulk change: index-only scans need the visibility map
        vacuum = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with vacuum.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        vacuum.dispose()
    return app


def readers(app: Any) -> dict[str, int]:
    from core import toolkit

    with app.app_context():
        User = toolkit.User
        admin = toolkit.db.session.scalar(sa.select(User.id).where(User.role == "admin"))
        seller = toolkit.db.session.scalar(sa.select(User.id).where(User.email == "seller0@bench.example"))
        manager = toolkit.db.session.scalar(sa.select(User.id).where(User.email == "manager@bench.example"))
        if manager is None:
            from core.security import service

            dep = toolkit.db.session.scalar(sa.select(User.department_id).where(User.id == seller))
            manager = service.create_user("manager@bench.example", "Bench-password-4-contacts!", role="manager",
                                          name="Bench Manager", department_id=dep).id
            toolkit.db.session.commit()
    return {"admin": admin, "manager": manager, "user": seller}


def measure(app: Any, repeat: int) -> dict[str, Any]:
    from flask import g
    from flask_login import login_user

    from core import toolkit
    from modules.contacts import reports, segments, timeline
    from modules.contacts.models import Contact

    result: dict[str, Any] = {}
    for role, user_id in readers(app).items():
        with app.test_request_context("/"):
            user = toolkit.db.session.get(toolkit.User, user_id)
            login_user(user)
            widgets = reports.widgets()

            def fresh(fn: Callable[[], Any]) -> Callable[[], Any]:
                def run() -> Any:
                    g.pop("_contacts_report_summary", None)  # the per-request summary, as on a new request
                    return fn()
                return run

            for widget in widgets:
                result[f"{widget.key.split('.')[1]}_{role}_ms"] = median_ms(
                    fresh(lambda w=widget, u=user: w.render(u)), repeat)
            result[f"dashboard_{role}_ms"] = median_ms(
                fresh(lambda u=user, ws=widgets: [w.render(u) for w in ws]), repeat)
            for name, filters in (
                ("stage", [{"field": "lifecycle_stage", "op": "eq", "value": "churned"}]),
                ("custom", [{"field": "custom.vip", "op": "eq", "value": True}]),
                ("recent", [{"field": "last_interaction_at", "op": "within_days", "value": 30}]),
            ):
                stmt = toolkit.scope(segments.segment_query(filters), "contacts.contact")
                result[f"segment_{name}_{role}_ms"] = median_ms(
                    lambda s=stmt: segments.capped_count(s, Contact), repeat)
            some = toolkit.db.session.scalar(toolkit.scope(sa.select(Contact.id), "contacts.contact")
                                             .where(Contact.id % 10 == 0).limit(1))
            if some:
                result[f"timeline_{role}_ms"] = median_ms(
                    lambda c=some: timeline.entries("contacts.contact", c, 50), repeat)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default=None, help="PostgreSQL URL of a scratch database (dropped)")
    parser.add_argument("--reuse", default=None, help="URL of a database kept between runs")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.reuse:
        folder = Path("/tmp/crm-bench-widgets")
        folder.mkdir(exist_ok=True)
        app = prepare(args.reuse, folder, args.rows)
        figures = measure(app, args.repeat)
    else:
        with scratch_database(args.database) as (url, folder):
            app = prepare(url, folder, args.rows)
            figures = measure(app, args.repeat)
    print(json.dumps({"rows": args.rows, "database": sa.make_url(args.reuse or args.database or "sqlite://")
                      .get_backend_name(), "score_all_s": app.config.get("BENCH_SCORE_S"), **figures}))


if __name__ == "__main__":
    main()
