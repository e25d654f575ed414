"""The dashboard: widgets from installed modules, permission-checked, one failure isolated."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from test_ui_shell import dom  # tests/ is on sys.path (rootdir conftest, no package)


@pytest.fixture
def ui_app(addons: Any, make_app: Callable[..., Flask]) -> Flask:
    addons("ui")
    return make_app(("uidemo",))


def _widgets(html: str) -> dict[str, Any]:
    return {s.attrs["data-widget"]: s for s in dom(html).select("section", cls="widget")}


def test_widgets_are_permission_checked_and_ordered(ui_app: Flask, client_as: Any) -> None:
    user = _widgets(client_as(ui_app, "user").get("/").get_data(as_text=True))
    assert list(user) == ["uidemo.kpi", "uidemo.chart", "uidemo.table", "uidemo.failing", "uidemo.badsql", "uidemo.count"]
    manager = _widgets(client_as(ui_app, "manager").get("/").get_data(as_text=True))
    assert "uidemo.secret" in manager and "Managers only" in manager["uidemo.secret"].all_text()


def test_a_failing_widget_shows_an_error_box_and_the_rest_still_renders(
    ui_app: Flask, client_as: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="crm.ui"):
        response = client_as(ui_app, "user").get("/")
    assert response.status_code == 200
    widgets = _widgets(response.get_data(as_text=True))
    for key in ("uidemo.failing", "uidemo.badsql"):
        assert "widget-error" in widgets[key].classes
        assert "could not be shown" in widgets[key].all_text()
    assert "dashboard widget uidemo.failing failed" in caplog.text
    assert "widget exploded" in caplog.text
    # the widget after a failed query still reads the database (on PostgreSQL too)
    assert "widget-error" not in widgets["uidemo.count"].classes
    assert "7" in widgets["uidemo.count"].all_text()


def test_kpi_figures_are_formatted(ui_app: Flask, client_as: Any) -> None:
    kpi = _widgets(client_as(ui_app, "user").get("/").get_data(as_text=True))["uidemo.kpi"]
    values = [" ".join(n.all_text().split()) for n in kpi.select("div", cls="kpi-value")]
    assert values == ["1,234,567", "€9,876.50"]
    delta = kpi.select("div", cls="kpi-delta")[0]
    assert "up" in delta.classes and "+12" in delta.all_text()


def test_chart_widget_carries_json_data_and_a_table_fallback(ui_app: Flask, client_as: Any) -> None:
    html = client_as(ui_app, "user").get("/").get_data(as_text=True)
    chart = _widgets(html)["uidemo.chart"]
    canvas = chart.select("canvas")[0]
    assert "hidden" in canvas.attrs  # drawn by JavaScript only
    data = chart.select("script", type="application/json", id=canvas.attrs["data-chart"])[0]
    assert json.loads(data.text) == {
        "type": "bar", "labels": ["Q1", "Q2"], "datasets": [{"label": "Sold", "data": [1500, 2750]}],
    }
    table = chart.select("table", cls="chart-table")[0]
    rows = [[" ".join(c.all_text().split()) for c in tr.find_all(lambda n: n.tag in ("th", "td"))] for tr in table.select("tr")]
    assert rows == [["", "Sold"], ["Q1", "1,500"], ["Q2", "2,750"]]
    assert "widget-w2" not in html and "w-2" in chart.classes
    assert 'src="/static/vendor/chart.umd.min.js' in html


def test_table_widget(ui_app: Flask, client_as: Any) -> None:
    table = _widgets(client_as(ui_app, "user").get("/").get_data(as_text=True))["uidemo.table"]
    assert table.select("a", href="/uidemo/gadgets/0")
    assert "4,200" in table.all_text()


def test_empty_dashboard_points_admins_to_the_modules_page(make_app: Callable[..., Flask], client_as: Any) -> None:
    app = make_app(())
    admin = client_as(app, "admin").get("/").get_data(as_text=True)
    assert "Welcome to crm-suite" in admin and 'href="/admin/modules"' in admin
    user = client_as(app, "user").get("/").get_data(as_text=True)
    assert "Welcome to crm-suite" in user and 'href="/admin/modules"' not in user


def test_dashboard_needs_a_login(ui_app: Flask, make_user: Any) -> None:
    make_user(ui_app, "admin")
    response = ui_app.test_client().get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
