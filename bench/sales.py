"""The sales module at a million opportunities, over HTTP from a real server process.

    python bench/sales.py [--rows 1000000] [--database URL] [--repeat 60]

1. Installs ``sales`` (with contacts and products) on a fresh database (a
   temporary SQLite file, or the PostgreSQL database the URL names: dropped,
   created and dropped again at the end); fills N/10 customers the way
   ``bench/contacts.py`` does, then the sales data of ``bench/_sales_data.py``:
   N opportunities (one pipeline with min(50,000, N/4) open ones) with their
   stage history, one order per won deal and 2N order lines in all.
2. Runs the two background jobs in this process, timed: ``sales.refresh_kpis``
   (rollups, customer statistics, tiers) and ``sales.retrain_win_model``, whose
   time-based holdout AUC (trained on the deals closed before the cutoff, judged
   on the latest 20 % closed after it) is ``win_auc``.
3. Starts the CRM under gunicorn (``bench/_common.Server``) and times, signed in
   as an administrator through one keep-alive connection from this process:
   the kanban of the big pipeline (column counts and totals plus the first 20
   cards of each column), the forecast page, and each sales KPI widget alone
   (``/sales/analytics/widgets/<key>``: one widget per request, the way the
   reports page could load them). ``kpi_widgets_p95_ms`` is the 95th percentile
   over all widget requests, ``kpi_widget_p95_ms`` the figure per widget and
   ``reports_page_p95_ms`` the page rendering all of them at once.

Prints one JSON line. Targets: kanban <= 100 ms, forecast and widgets <= 500 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    Client,
    Server,
    bench_config,
    percentiles,
    scratch_database,
    server_env,
    time_paths,
)
from bench._sales_data import fill_sales  # noqa: E402
from bench.contacts import PASSWORD, fill, make_users  # noqa: E402


def run_jobs(app: Any) -> dict[str, Any]:
    from modules.sales.analytics.kpis import refresh_kpis
    from modules.sales.analytics.learning import retrain

    found: dict[str, Any] = {}
    with app.app_context():
        started = time.perf_counter()
        refreshed = refresh_kpis()
        found["refresh_kpis_s"] = round(time.perf_counter() - started, 1)
        found["customers_with_orders"] = refreshed["customers"]
        found["tiers_changed"] = refreshed["tiers_changed"]
        started = time.perf_counter()
        trained = retrain()
        found["retrain_s"] = round(time.perf_counter() - started, 1)
        found["win_auc"] = round(trained["auc"], 4) if trained["auc"] is not None else None
        found["win_train_size"] = trained["sample_size"] - trained["holdout_size"]
        found["win_holdout_size"] = trained["holdout_size"]
        found["win_scored_open"] = trained["predicted"]
        # the jobs rewrote every open opportunity (learned probability) and the customers' tiers:
        # measure the pages as they are once autovacuum has caught up (minutes later in
        # production), not in the window right after a weekly retrain
        from core.extensions import db

        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
    return found


def paths(app: Any) -> dict[str, Any]:
    from flask import url_for

    from modules.sales.analytics.kpi_widgets import widgets

    with app.test_request_context():
        return {
            "kanban": url_for("sales_board.kanban", pipeline_id=1),
            "forecast": url_for("sales_board.forecast"),
            "reports": url_for("sales_analytics.index"),
            "widgets": {w.key: url_for("sales_analytics.widget", key=w.key) for w in widgets()},
        }


def measure(app: Any, url: str, folder: Path, admin_email: str, repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    urls = paths(app)
    crm = Server("core.wsgi:application()", server_env(url, folder), log=folder / "crm-server.log")
    try:
        crm.wait()
        browser = Client(crm.port)
        browser.login(admin_email, PASSWORD)
        kanban = percentiles(time_paths(browser, [urls["kanban"]], repeat))
        results["kanban_p50_ms"], results["kanban_p95_ms"] = kanban["p50_ms"], kanban["p95_ms"]
        results["forecast_p95_ms"] = percentiles(time_paths(browser, [urls["forecast"]], max(10, repeat // 2)))["p95_ms"]
        per_widget: dict[str, float] = {}
        every: list[float] = []
        rounds = max(5, repeat // 6)
        for key, path in urls["widgets"].items():
            samples = time_paths(browser, [path], rounds, warm=1)
            per_widget[key.removeprefix("sales.")] = percentiles(samples)["p95_ms"]
            every.extend(samples)
        results["kpi_widgets_p95_ms"] = percentiles(every)["p95_ms"]
        results["kpi_widget_p95_ms"] = per_widget
        results["reports_page_p95_ms"] = percentiles(time_paths(browser, [urls["reports"]], 5, warm=1))["p95_ms"]
        browser.close()
        results["peak_rss_mb"] = crm.peak_rss_mb()
    finally:
        crm.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="opportunities (order lines: twice as many)")
    parser.add_argument("--database", help="PostgreSQL URL of a database to create and drop (default: SQLite file)")
    parser.add_argument("--repeat", type=int, default=60, help="timed requests of the kanban (others scale from it)")
    args = parser.parse_args()

    from core.app import create_app
    from core.extensions import db
    from core.lifecycle import ModuleManager

    with scratch_database(args.database) as (url, folder):
        config = bench_config(url, folder)
        started = time.perf_counter()
        ModuleManager(create_app(config, modules=False), echo=lambda *a, **k: None).install(["sales"])
        app = create_app(config)
        owners, users, _tokens = make_users(app)
        with app.app_context():
            engine = db.engine
            result: dict[str, Any] = {"rows": args.rows, "database": engine.dialect.name}
            customers = max(2000, args.rows // 10)
            result["customers"] = customers
            result.update({"fill_customers_s": fill(engine, customers, owners)["fill_s"]})
            result.update(fill_sales(engine, args.rows, owners))
        result["setup_s"] = round(time.perf_counter() - started, 1)
        result.update(run_jobs(app))
        with app.app_context():
            db.engine.dispose()
        result.update(measure(app, url, folder, users["admin"], args.repeat))
        keys = ("kanban_p95_ms", "forecast_p95_ms", "kpi_widgets_p95_ms", "win_auc")
        ordered = {k: result.get(k) for k in keys}
        ordered.update({k: v for k, v in result.items() if k not in ordered})
        print(json.dumps(ordered, ensure_ascii=False))


if __name__ == "__main__":
    main()
