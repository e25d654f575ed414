"""uidemo: what the UI shell tests need from a module (menu, search, widgets, a catalog)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import toolkit
from core.toolkit import _, _l

bp = Blueprint("uidemo", __name__)

GADGETS = ["Sprocket", "Widget <b>bold</b>", "Flux capacitor"]


@bp.get("/")
@toolkit.require("uidemo.gadget.read")
def gadgets() -> str:
    return render_template(
        "uidemo/gadgets.html", total=1234567.5, price=Decimal("1234.5"), day=date(2024, 3, 9)
    )


@bp.get("/reports")
@toolkit.require("uidemo.report")
def reports() -> str:
    return render_template("uidemo/crumbs.html", name="reports")


@bp.get("/gadgets/<int:index>")
@toolkit.require("uidemo.gadget.read")
def gadget(index: int) -> str:
    crumbs = [(_("Gadgets"), url_for("uidemo.gadgets")), (GADGETS[index], None)]
    return render_template("uidemo/crumbs.html", name=GADGETS[index], breadcrumbs=crumbs)


@bp.get("/echo")
@toolkit.require("uidemo.gadget.read")
def echo() -> Any:
    """Flashes what it is given: the layout must show it as text."""
    flash(request.args.get("text", ""), request.args.get("category", "info"))
    return redirect(url_for("uidemo.gadgets"))


#: the board's order, kept in memory (enough for the drag-and-drop test)
BOARD: dict[str, list[str]] = {"todo": ["a", "b", "c"], "done": []}


@bp.get("/board")
@toolkit.require("uidemo.gadget.read")
def board() -> str:
    return render_template("uidemo/board.html", board=BOARD)


@bp.post("/board/order")
@toolkit.require("uidemo.gadget.write")
def board_order() -> Any:
    column = request.form.get("list", "")
    if column not in BOARD:
        return "unknown list", 422
    moved = request.form.get("item", "")
    for items in BOARD.values():
        if moved in items:
            items.remove(moved)
    BOARD[column] = request.form.getlist("order")
    return "", 204


def search(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    return [
        toolkit.SearchHit(title=name, url=url_for("uidemo.gadget", index=i), kind=_("Gadget"))
        for i, name in enumerate(GADGETS)
        if query.lower() in name.lower()
    ][:limit]


def broken_search(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    raise RuntimeError("search backend down")


def kpi(user: Any) -> dict[str, Any]:
    return {"figures": [
        {"label": _("Gadgets in stock"), "value": 1234567, "delta": 12},
        {"label": _("Stock value"), "value": 9876.5, "currency": "EUR"},
    ]}


def chart(user: Any) -> dict[str, Any]:
    return {"chart": {"type": "bar", "labels": ["Q1", "Q2"], "datasets": [{"label": _("Sold"), "data": [1500, 2750]}]}}


def table(user: Any) -> dict[str, Any]:
    return {"columns": [_("Name"), _("Count")], "rows": [[{"text": "Sprocket", "url": "/uidemo/gadgets/0"}, 4200]]}


def failing(user: Any) -> dict[str, Any]:
    raise RuntimeError("widget exploded")


def bad_sql(user: Any) -> dict[str, Any]:
    toolkit.db.session.execute(toolkit.sa.text("SELECT * FROM uidemo_no_such_table"))
    return {}


def db_count(user: Any) -> dict[str, Any]:
    """Runs after the failing query: on PostgreSQL it fails too unless the transaction was reset."""
    return {"value": toolkit.db.session.execute(toolkit.sa.text("SELECT 7")).scalar_one(), "label": _("From the database")}


def secret(user: Any) -> dict[str, Any]:
    return {"value": 42, "label": _("Managers only")}


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    return [bp]


@toolkit.hookimpl
def crm_permissions() -> list:
    return toolkit.load_security("uidemo", Path(__file__).parent)


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem("uidemo", _l("Gadgets"), order=50),
        toolkit.MenuItem("uidemo.list", _l("All gadgets"), endpoint="uidemo.gadgets", parent="uidemo",
                         permission="uidemo.gadget.read", order=10),
        toolkit.MenuItem("uidemo.reports", _l("Gadget reports"), endpoint="uidemo.reports", parent="uidemo",
                         permission="uidemo.report", order=20),
    ]


@toolkit.hookimpl
def crm_search_providers() -> list[toolkit.SearchProvider]:
    return [
        toolkit.SearchProvider("uidemo.gadgets", _l("Gadgets"), search, permission="uidemo.gadget.read"),
        toolkit.SearchProvider("uidemo.reports", _l("Gadget reports"), search, permission="uidemo.report"),
        toolkit.SearchProvider("uidemo.broken", _l("Broken search"), broken_search),
    ]


@toolkit.hookimpl
def crm_dashboard_widgets() -> list[toolkit.Widget]:
    return [
        toolkit.Widget("uidemo.kpi", _l("Gadget figures"), kpi, permission="uidemo.gadget.read", order=1),
        toolkit.Widget("uidemo.chart", _l("Gadgets sold"), chart, template="core/widgets/chart.html", order=2, width=2),
        toolkit.Widget("uidemo.table", _l("Top gadgets"), table, template="core/widgets/table.html", order=3),
        toolkit.Widget("uidemo.failing", _l("Failing widget"), failing, order=4),
        toolkit.Widget("uidemo.badsql", _l("Broken query"), bad_sql, order=5),
        toolkit.Widget("uidemo.count", _l("Database figure"), db_count, order=6),
        toolkit.Widget("uidemo.secret", _l("Manager widget"), secret, permission="uidemo.report", order=7),
    ]
