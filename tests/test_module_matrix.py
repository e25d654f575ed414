"""Every combination of modules a customer can install works, and leaves nothing behind.

For each dependency-closed set of modules (every module's ``depends`` inside
the set; a bridge module present exactly when all its ``depends`` are) this
installs the set on a fresh database, opens each installed module's menu
pages and REST list endpoints as an administrator, then uninstalls the
modules in reverse order with ``--purge`` and checks that the database is back
to a bare core: no module table, no row tagged with a module in core's
tables, no module in ``core_module``, no module revision in
``alembic_version``.

The modules are the bundled ones (``module_manifests/*.toml``) plus the test
modules in ``tests/addons/basic`` and ``tests/addons/sample`` (so the matrix
means something before the business modules exist). With more than ``SAMPLE`` closed sets a fixed,
seeded sample is tested, so every run checks the same sets.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from core.app import create_app
from core.lifecycle import ModuleManager
from core.loader import ModuleGraph, load_graph
from core.testing import TemplateCache, base_config, create_database, dispose, drop_database

#: dependencies, a bridge and a page (basic); generic views and a REST resource (sample)
ADDONS = [Path(__file__).parent / "addons" / name for name in ("basic", "sample")]
SAMPLE = 64
SEED = 20240601
#: above this many modules the closed sets are sampled by closing random picks, not enumerated
ENUMERATE_UP_TO = 16


def matrix_graph() -> ModuleGraph:
    """Bundled modules and the basic test addons (installed third-party packages are not ours to test)."""
    graph = load_graph(entry_points=False, addons_path=ADDONS)
    graph.check()
    return graph


def with_bridges(graph: ModuleGraph, chosen: set[str]) -> frozenset[str]:
    """``chosen`` plus every bridge whose dependencies are all present (bridges may chain)."""
    result = set(chosen)
    while True:
        extra = {
            name for name, m in graph.manifests.items()
            if m.auto_install and name not in result and set(m.depends) <= result
        }
        if not extra:
            return frozenset(result)
        result |= extra


def is_closed(graph: ModuleGraph, names: set[str]) -> bool:
    return all(set(graph.manifests[n].depends) <= names for n in names)


def closed_sets(graph: ModuleGraph) -> list[frozenset[str]]:
    """The dependency-closed sets to test, in a stable order; a seeded sample when there are many."""
    plain = sorted(n for n, m in graph.manifests.items() if not m.auto_install)
    rng = random.Random(SEED)
    found: set[frozenset[str]] = set()
    if len(plain) <= ENUMERATE_UP_TO:
        for size in range(1, len(plain) + 1):
            for combo in itertools.combinations(plain, size):
                if is_closed(graph, set(combo)):
                    found.add(with_bridges(graph, set(combo)))
        result = sorted(found, key=lambda s: (len(s), sorted(s)))
        if len(result) > SAMPLE:
            result = sorted(rng.sample(result, SAMPLE), key=lambda s: (len(s), sorted(s)))
        return result
    attempts = 0
    while len(found) < SAMPLE and attempts < SAMPLE * 50:
        attempts += 1
        pick = {n for n in plain if rng.random() < 0.5} or {rng.choice(plain)}
        found.add(with_bridges(graph, graph.closure(pick)))
    return sorted(found, key=lambda s: (len(s), sorted(s)))


SETS = closed_sets(matrix_graph())


def test_the_matrix_covers_dependencies_and_bridges() -> None:
    """Guard against a matrix that silently tests nothing interesting."""
    as_lists = [sorted(s) for s in SETS]
    assert ["alpha", "beta"] in as_lists  # a dependency
    assert ["alpha", "bridge_ag", "gamma"] in as_lists  # a bridge, present with both its depends
    assert ["alpha", "gamma"] not in as_lists  # ... and never without it
    assert not any("beta" in s and "alpha" not in s for s in SETS)
    assert any("notebook" in s for s in SETS)  # a module with a REST resource
    assert len(SETS) <= SAMPLE


@pytest.fixture
def fresh_url(crm_template_cache: TemplateCache, tmp_path: Path) -> Iterator[str]:
    """A fresh database with core's tables (copied from the session's bare template)."""
    url = create_database(crm_template_cache.get((), False), folder=tmp_path)
    yield url
    drop_database(url)


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """What a bare core database holds that modules could leave traces in."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        tables = set(inspector.get_table_names())
        tagged = {
            t: sorted(conn.execute(sa.text(f'SELECT DISTINCT module FROM "{t}"')).scalars())
            for t in sorted(tables)
            if any(c["name"] == "module" for c in inspector.get_columns(t))
        }
        return {
            "tables": tables,
            "tagged": tagged,
            "modules": sorted(conn.execute(sa.text("SELECT name FROM core_module")).scalars()),
            "revisions": sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()),
        }


def module_tables(tables: set[str], module: str) -> list[str]:
    return sorted(t for t in tables if t.startswith(module + "_"))


def menu_pages(app: Flask, modules: frozenset[str]) -> list[str]:
    """URLs of the installed modules' menu entries."""
    registry = app.extensions["crm"].registry
    with app.test_request_context():
        return [
            url_for(item.endpoint)
            for key, item in sorted(registry.menu.items())
            if item.endpoint and registry.owner("menu item", key) in modules
        ]


def api_lists(app: Flask, modules: frozenset[str]) -> list[str]:
    """URLs of the installed modules' REST list endpoints."""
    registry = app.extensions["crm"].registry
    return [
        f"/api/v1/{resource.path}"
        for key, resource in sorted(registry.api_resources.items())
        if registry.owner("API resource", key) in modules
    ]


def api_token(app: Flask, user_id: int) -> str:
    from core.extensions import db
    from core.security.models import User
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(db.session.get(User, user_id), "matrix")
        db.session.commit()
    return token


@pytest.mark.parametrize("modules", SETS, ids=["+".join(sorted(s)) for s in SETS])
def test_install_browse_and_purge(
    modules: frozenset[str],
    fresh_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client_as: Callable[..., Any],
) -> None:
    monkeypatch.setenv("CRM_ADDONS_PATH", os.pathsep.join(str(p) for p in ADDONS))
    config = base_config(fresh_url, tmp_path)
    graph = load_graph()
    maintenance = create_app(config, modules=False, graph=graph)
    manager = ModuleManager(maintenance, graph)
    engine = manager.engine
    before = snapshot(engine)

    manager.install(sorted(modules))
    assert set(manager.installed()) == set(modules), "bridges must install exactly with all their depends"

    app = create_app(config, graph=graph)
    try:
        client = client_as(app, "admin")
        bearer = {"Authorization": f"Bearer {api_token(app, client.user.id)}"}
        failures = []
        for url in menu_pages(app, modules):
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"GET {url} -> {response.status_code}")
        for url in api_lists(app, modules):
            response = app.test_client().get(url, headers=bearer)
            if response.status_code != 200:
                failures.append(f"GET {url} (API) -> {response.status_code}")
        assert not failures, f"with {sorted(modules)} installed: " + "; ".join(failures)
    finally:
        dispose(app)

    for name in reversed(graph.order(modules)):
        manager.uninstall(name, purge=True)

    after = snapshot(engine)
    for name in sorted(modules):
        assert not module_tables(after["tables"], name), f"{name} left tables behind"
    assert after["tables"] == before["tables"]
    for table, owners in after["tagged"].items():
        left = sorted(set(owners) & modules)
        assert not left, f"{table} still has rows of {', '.join(left)}"
    assert after["modules"] == before["modules"]
    assert after["revisions"] == before["revisions"], "module revisions left in alembic_version"

    bare = create_app(config, graph=graph)
    try:
        assert bare.extensions["crm"].installed == []
    finally:
        dispose(bare)
    dispose(maintenance)
