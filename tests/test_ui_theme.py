"""Themes override any template or static file; npm libraries are served from an allowlist."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"


@pytest.fixture
def themed(tmp_path: Path, addons: Any, make_app: Callable[..., Flask]) -> Flask:
    """A theme 'sunrise' in a temporary themes folder overriding core, module and default-theme files."""
    theme = tmp_path / "themes" / "sunrise"
    (theme / "templates" / "uidemo").mkdir(parents=True)
    (theme / "templates" / "core").mkdir(parents=True)
    (theme / "static").mkdir(parents=True)
    (theme / "templates" / "uidemo" / "gadgets.html").write_text(
        '{% extends "layout.html" %}{% block content %}<p id="themed">Sunrise gadgets</p>{% endblock %}'
    )
    (theme / "templates" / "core" / "search.html").write_text(
        '{% extends "layout.html" %}{% block content %}<p id="themed-search">{{ query }}</p>{% endblock %}'
    )
    (theme / "static" / "crm.css").write_text("/* sunrise */ body { background: #fff3e0; }")
    (theme / "static" / "sunrise.png").write_bytes(b"\x89PNG fake")
    addons("ui")
    return make_app(("uidemo",), config={"CRM_THEMES_PATH": str(tmp_path / "themes"), "CRM_THEME": "sunrise"})


def test_theme_overrides_module_and_core_templates(themed: Flask, client_as: Any) -> None:
    client = client_as(themed, "user")
    page = client.get("/uidemo/").get_data(as_text=True)
    assert '<p id="themed">Sunrise gadgets</p>' in page
    assert 'class="topbar"' in page  # the default theme's layout still wraps it
    assert '<p id="themed-search">&lt;b&gt;</p>' in client.get("/search?q=<b>").get_data(as_text=True)
    # what the theme does not override comes from core / the default theme
    assert "uidemo.kpi" in client.get("/").get_data(as_text=True)


def test_theme_overrides_static_files(themed: Flask) -> None:
    client = themed.test_client()
    assert client.get("/static/crm.css").get_data(as_text=True).startswith("/* sunrise */")
    assert client.get("/static/sunrise.png").data == b"\x89PNG fake"
    assert b"drawCharts" in client.get("/static/crm.js").data  # not overridden: the default theme's


def test_default_theme_without_a_theme(addons: Any, make_app: Callable[..., Flask]) -> None:
    app = make_app(())
    css = app.test_client().get("/static/crm.css").get_data(as_text=True)
    assert "crm-suite default theme" in css


def test_unknown_theme_stops_the_start_up(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    (tmp_path / "themes").mkdir()
    with pytest.raises(ConfigError, match="nosuchtheme"):
        make_app((), config={"CRM_THEMES_PATH": str(tmp_path / "themes"), "CRM_THEME": "nosuchtheme"})


# -- front-end libraries --------------------------------------------------------------

needs_npm = pytest.mark.skipif(not (NODE_MODULES / "htmx.org").is_dir(), reason="run `make setup` (npm ci) first")


@needs_npm
@pytest.mark.parametrize(
    ("name", "package", "marker"),
    [
        ("htmx.min.js", "htmx.org", b"htmx"),
        ("Sortable.min.js", "sortablejs", b"Sortable"),
        ("chart.umd.min.js", "chart.js", b"Chart"),
    ],
)
def test_vendor_files_are_served_from_node_modules(
    make_app: Callable[..., Flask], name: str, package: str, marker: bytes
) -> None:
    client = make_app(()).test_client()
    response = client.get(f"/static/vendor/{name}")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert marker in response.data[:5000] or marker in response.data
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"][f"node_modules/{package}"]["version"]
    installed = json.loads((NODE_MODULES / package / "package.json").read_text())["version"]
    assert installed == pinned, f"node_modules has {package} {installed}, the lockfile pins {pinned}: run make setup"


@needs_npm
@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/htmx.js",
        "/static/vendor/htmx.org/package.json",
        "/static/vendor/../package.json",
        "/static/vendor/%2e%2e/package.json",
        "/static/vendor/chart.js/dist/chart.js",
    ],
)
def test_only_allowlisted_vendor_files(make_app: Callable[..., Flask], path: str) -> None:
    assert make_app(()).test_client().get(path).status_code == 404


def test_layout_links_versioned_vendor_scripts(addons: Any, make_app: Callable[..., Flask], client_as: Any) -> None:
    addons("ui")
    page = client_as(make_app(("uidemo",)), "user").get("/").get_data(as_text=True)
    lock = json.loads((ROOT / "package-lock.json").read_text())
    htmx = lock["packages"]["node_modules/htmx.org"]["version"]
    if (NODE_MODULES / "htmx.org").is_dir():
        assert f'src="/static/vendor/htmx.min.js?v={htmx}"' in page
    else:
        assert 'src="/static/vendor/htmx.min.js' in page
    assert 'src="/static/crm.js"' in page


def test_lockfile_pins_exact_versions() -> None:
    manifest = json.loads((ROOT / "package.json").read_text())
    for name in ("htmx.org", "sortablejs", "chart.js"):
        spec = manifest["dependencies"][name]
        assert spec[0].isdigit(), f"{name} must be pinned to an exact version, got {spec!r}"
