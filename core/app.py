"""The application factory.

``create_app`` reads the configuration, asks the database which modules are
installed, imports only those, collects what their hooks return and wires it
into a Flask app. No app exists at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy
import sqlalchemy as sa
from flask import Flask, abort, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader

from core import plugin as core_plugin
from core.config import ROOT, ConfigError, finalize, load_config
from core.db import configure_engine, engine_options
from core.extensions import db
from core.lifecycle import installed_names, registry_seq
from core.loader import ModuleError, ModuleGraph, check_environment, load_graph
from core.plugins import make_plugin_manager, register_modules
from core.registry import Registry, build_registry

log = logging.getLogger("crm")


@dataclass
class CrmState:
    """What ``app.extensions["crm"]`` holds."""

    pm: pluggy.PluginManager
    registry: Registry
    graph: ModuleGraph
    installed: list[str]
    #: registry sequence of the database when the app was built (see core.wsgi)
    seq: str


def create_app(
    config: dict[str, Any] | None = None, *, graph: ModuleGraph | None = None, modules: bool = True
) -> Flask:
    """Build the CRM app for the database in the configuration.

    ``modules=False`` builds a maintenance app with core only, for module
    operations that must work even when the installed set is broken.
    """
    settings = load_config()
    settings.update(config or {})
    settings = finalize(settings)
    app = Flask("core", static_folder=None, instance_path=str(Path(settings["CRM_INSTANCE_PATH"]).resolve()))
    app.config.update(settings)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    if app.config.get("CRM_TRACE_HOOKS"):
        logging.getLogger("crm.hooks").setLevel(logging.INFO)
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    graph = graph or load_graph()
    installed, seq = _installed_modules(app) if modules else ([], "maintenance")
    order = graph.order(installed)
    for name in order:
        check_environment(graph.get(name))
    pm = make_plugin_manager(trace=bool(app.config.get("CRM_TRACE_HOOKS")))
    pm.register(core_plugin, name="core")
    register_modules(pm, [graph.get(name) for name in order])
    registry = build_registry(pm, {n: graph.get(n) for n in order}, order)
    app.extensions["crm"] = CrmState(pm=pm, registry=registry, graph=graph, installed=order, seq=seq)

    _init_services(app)
    _wire_templates(app, registry)
    _wire_static(app, registry)
    _wire_blueprints(app, registry)
    hops = int(app.config.get("CRM_PROXY_HOPS") or 0)
    if hops > 0:
        # behind nginx & co. the client's address, scheme and host arrive in X-Forwarded-*
        # headers: per-IP login throttling and external URLs need the real ones
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app


def _installed_modules(app: Flask) -> tuple[list[str], str]:
    """Installed module names; none when the database is not reachable yet (healthz tells)."""
    try:
        with app.app_context(), db.engine.connect() as conn:
            return installed_names(conn), registry_seq(conn)
    except sa.exc.OperationalError as exc:
        log.error("database not reachable, starting without modules: %s", exc)
        return [], "unreachable"


def _init_services(app: Flask) -> None:
    """Platform services every module uses (accounts, UI, API, jobs, events)."""
    from core import services

    services.init_app(app)


def theme_dirs(app: Flask, kind: str) -> list[Path]:
    """``themes/<CRM_THEME>/<kind>`` then the default theme's, for overriding anything.

    ``CRM_THEMES_PATH`` (config) names another folder of themes (tests, deployments
    keeping their theme outside the code); the default theme always comes from the code.
    """
    themes = Path(app.config.get("CRM_THEMES_PATH") or ROOT / "themes")
    names = [app.config.get("CRM_THEME") or "default", "default"]
    if names[0] != "default" and not (themes / names[0]).is_dir():
        raise ConfigError(f"CRM_THEME={names[0]!r}: there is no theme folder {themes / names[0]}")
    dirs: list[Path] = []
    for name in dict.fromkeys(names):
        path = (themes if name != "default" else ROOT / "themes") / name / kind
        if path.is_dir():
            dirs.append(path)
    return dirs


def _wire_templates(app: Flask, registry: Registry) -> None:
    """Theme first, then core, then each module's ``templates/`` (holding ``<module>/...``)."""
    search = [*theme_dirs(app, "templates"), Path(__file__).parent / "templates"]
    for name in registry.order:
        manifest = registry.manifests[name]
        if manifest.path is not None and (manifest.path / "templates").is_dir():
            search.append(manifest.path / "templates")
    app.jinja_loader = ChoiceLoader([FileSystemLoader([str(p) for p in search])])  # type: ignore[assignment]


def _wire_static(app: Flask, registry: Registry) -> None:
    """One ``/static/<path>`` route: theme, core, then modules' ``static/`` folders."""
    search = [*theme_dirs(app, "static"), Path(__file__).parent / "static"]
    for name in registry.order:
        manifest = registry.manifests[name]
        if manifest.path is not None and (manifest.path / "static").is_dir():
            search.append(manifest.path / "static")
    app.config["CRM_STATIC_DIRS"] = search

    def static(filename: str) -> Any:
        if filename.startswith("vendor/"):  # npm libraries, from an allowlist (core.ui.vendor)
            from core.ui.vendor import vendor_file

            return vendor_file(filename.removeprefix("vendor/"))
        for folder in app.config["CRM_STATIC_DIRS"]:
            if (folder / filename).is_file():
                return send_from_directory(folder, filename, max_age=3600)
        abort(404)

    from core.security.access import public

    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=public(static))


def _wire_blueprints(app: Flask, registry: Registry) -> None:
    seen: dict[tuple[str, frozenset[str]], str] = {}
    for name, bp in registry.blueprints.items():
        owner = registry.owner("blueprint", name) or "core"
        prefix = bp.url_prefix if bp.url_prefix is not None else ("" if owner == "core" else f"/{owner}")
        app.register_blueprint(bp, url_prefix=prefix)
    for rule in app.url_map.iter_rules():
        bp_name = rule.endpoint.split(".", 1)[0] if "." in rule.endpoint else ""
        owner = registry.owner("blueprint", bp_name) or "core"
        key = (rule.rule, frozenset((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        if key in seen and seen[key] != owner:
            raise ModuleError(
                f"URL '{rule.rule}' is declared by both module '{seen[key]}' and module '{owner}'"
            )
        seen[key] = owner
