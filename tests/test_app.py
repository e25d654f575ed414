"""App factory, configuration, health, tracing, and 'not installed means never imported'."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.app import create_app
from core.config import ConfigError, finalize, load_config
from core.testing import base_config


def test_config_comes_from_crm_environment_variables(tmp_path: Path) -> None:
    env = {
        "CRM_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "CRM_SECRET_KEY": "s" * 40,
        "CRM_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CRM_PORT": "8080",
        "CRM_THEME": "dark",
        "CRM_MODULES": "contacts, sales",
    }
    cfg = load_config(env)
    assert cfg["SQLALCHEMY_DATABASE_URI"] == env["CRM_DATABASE_URL"]
    assert cfg["SECRET_KEY"] == "s" * 40
    assert cfg["CRM_BROKER_URL"] == env["CRM_BROKER_URL"]
    assert cfg["CRM_PORT"] == 8080
    assert cfg["CRM_THEME"] == "dark"
    assert cfg["CRM_MODULES"] == ["contacts", "sales"]
    with pytest.raises(ConfigError, match="CRM_PORT must be a whole number, got 'eighty'"):
        load_config({"CRM_PORT": "eighty"})


def test_default_database_is_sqlite_in_instance_folder_with_wal(tmp_path: Path) -> None:
    cfg = finalize(load_config({"CRM_INSTANCE_PATH": str(tmp_path)}))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    app = create_app({"CRM_INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": cfg["SQLALCHEMY_DATABASE_URI"]})
    from core.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with app.app_context():
        db.engine.dispose()


def test_production_refuses_to_start_without_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CRM_SECRET_KEY is not set"):
        finalize(load_config({"CRM_ENV": "production", "CRM_INSTANCE_PATH": str(tmp_path)}))
    # and through the real entry point, with a clear message and no traceback noise
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_ENV="production", CRM_INSTANCE_PATH=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "modules", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert "CRM_SECRET_KEY is not set" in proc.stderr


def test_development_secret_is_random_and_kept(tmp_path: Path) -> None:
    one = finalize(load_config({"CRM_INSTANCE_PATH": str(tmp_path)}))["SECRET_KEY"]
    two = finalize(load_config({"CRM_INSTANCE_PATH": str(tmp_path)}))["SECRET_KEY"]
    assert one == two and len(one) >= 64
    assert finalize(load_config({"CRM_INSTANCE_PATH": str(tmp_path / "other")}))["SECRET_KEY"] != one


def test_healthz_200_when_database_answers_503_when_not(make_app, tmp_path: Path) -> None:
    app = make_app()
    assert app.test_client().get("/healthz").status_code == 200
    cfg = base_config("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    down = create_app(cfg)
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


NEVER_IMPORTED = textwrap.dedent(
    """
    import json, sys
    from core.app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x" * 32, "CRM_INSTANCE_PATH": sys.argv[2]})
    reg = app.extensions["crm"].registry
    print(json.dumps({
        "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("alpha", "beta", "gamma")),
        "rules": sorted(r.rule for r in app.url_map.iter_rules()),
        "menu": sorted(reg.menu),
        "tables": sorted(reg.models),
        "metadata": sorted(t for t in __import__("core.extensions").extensions.db.metadata.tables if t.startswith("alpha")),
        "installed": app.extensions["crm"].installed,
    }))
    """
)


def test_module_not_installed_is_never_imported(crm_cli, addons, tmp_path: Path) -> None:
    addons("basic")
    assert crm_cli("modules", "install", "gamma").exit_code == 0

    def probe() -> dict:
        proc = subprocess.run(
            [sys.executable, "-c", NEVER_IMPORTED, crm_cli.url, str(tmp_path)],
            capture_output=True, text=True, timeout=120, env=os.environ.copy(),
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    before = probe()
    assert before["installed"] == ["gamma"]
    assert not [m for m in before["modules"] if m.startswith(("alpha", "beta"))]
    assert not [r for r in before["rules"] if r.startswith("/alpha")]
    assert "alpha.items" not in before["menu"]
    assert before["tables"] == [] and before["metadata"] == []

    assert crm_cli("modules", "install", "alpha").exit_code == 0
    after = probe()
    assert "alpha.plugin" in after["modules"] and "alpha.models" in after["modules"]
    assert "/alpha/" in after["rules"]
    assert "alpha.items" in after["menu"]
    assert after["tables"] == ["alpha_item"]
    assert "beta.plugin" not in after["modules"]


def test_trace_hooks_logs_each_call_with_duration(make_app, addons, caplog: pytest.LogCaptureFixture) -> None:
    addons("basic")
    with caplog.at_level(logging.INFO, logger="crm.hooks"):
        make_app(("alpha",), config={"CRM_TRACE_HOOKS": True})
    lines = [r.getMessage() for r in caplog.records if r.name == "crm.hooks"]
    assert any(line.startswith("hook crm_menu_items [alpha]") and line.endswith(" ms") for line in lines), lines
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="crm.hooks"):
        make_app(("alpha",))
    assert not [r for r in caplog.records if r.name == "crm.hooks"]


def test_modules_json_is_for_admins_only(make_app, addons) -> None:
    addons("basic")
    app = make_app(("alpha",))
    response = app.test_client().get("/-/modules.json", headers={"Accept": "application/json"})
    assert response.status_code in (302, 401)


def test_module_aware_app_rebuilds_after_install(crm_cli, addons, tmp_path: Path) -> None:
    from core.wsgi import ModuleAwareApp

    addons("basic")
    crm_cli("db", "upgrade")
    wsgi = ModuleAwareApp(base_config(crm_cli.url, tmp_path), check_every=0)
    assert "/alpha/" not in {r.rule for r in wsgi.current().url_map.iter_rules()}
    assert crm_cli("modules", "install", "alpha").exit_code == 0
    assert "/alpha/" in {r.rule for r in wsgi.current().url_map.iter_rules()}
    assert crm_cli("modules", "uninstall", "alpha", "--yes").exit_code == 0
    assert "/alpha/" not in {r.rule for r in wsgi.current().url_map.iter_rules()}
    from core.testing import dispose

    dispose(wsgi.app)


def test_bootstrap_installs_crm_modules_with_dependencies(crm_db_url: str, addons, tmp_path: Path, monkeypatch) -> None:
    from core.wsgi import bootstrap

    addons("basic")
    monkeypatch.setenv("CRM_MODULES", "beta")
    bootstrap(base_config(crm_db_url, tmp_path) | {"CRM_MODULES": ["beta"]}, echo=lambda _m: None)
    engine = sa.create_engine(crm_db_url)
    with engine.connect() as conn:
        names = sorted(r[0] for r in conn.execute(sa.text("SELECT name FROM core_module WHERE state = 'installed'")))
    engine.dispose()
    assert names == ["alpha", "beta"]


def test_readme_documents_every_setting() -> None:
    from core.config import ROOT, SETTINGS

    readme = (ROOT / "README.md").read_text()
    missing = [var for var, *_rest in SETTINGS if f"`{var}`" not in readme]
    assert not missing, f"README configuration table lacks {missing}"
