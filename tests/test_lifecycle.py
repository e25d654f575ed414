"""Install, upgrade and uninstall through the real ``crm`` command line."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every table with all its rows: 'nothing was changed' means this is equal."""
    return {t: sorted(rows(url, f'SELECT * FROM "{t}"'), key=repr) for t in sorted(tables(url))}


def states(crm_cli) -> dict[str, str]:
    result = crm_cli("modules", "list", "--json")
    assert result.exit_code == 0, result.output
    return {m["name"]: m["state"] for m in json.loads(result.output)}


def test_install_dependencies_first_then_bridges(crm_cli, addons) -> None:
    addons("basic")
    result = crm_cli("modules", "install", "beta", "gamma")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("installing alpha") < out.index("installing beta")
    assert "auto-installing bridge modules: bridge_ag" in out
    basic = {n: s for n, s in states(crm_cli).items() if n in {"alpha", "beta", "gamma", "bridge_ag"}}
    assert basic == {"alpha": "installed", "beta": "installed", "gamma": "installed", "bridge_ag": "installed"}
    assert {"alpha_item", "beta_note"} <= tables(crm_cli.url)
    # data, permissions and menus were registered
    assert rows(crm_cli.url, "SELECT name FROM alpha_item") == [("seed",)]
    assert ("alpha.item.read", "alpha") in rows(crm_cli.url, "SELECT name, module FROM core_permission")
    assert ("alpha.items",) in rows(crm_cli.url, "SELECT key FROM core_menu")


def test_demo_data_only_with_demo(crm_cli, addons) -> None:
    addons("basic")
    assert crm_cli("modules", "install", "alpha", "--demo").exit_code == 0
    assert sorted(rows(crm_cli.url, "SELECT name FROM alpha_item")) == [("demo",), ("seed",)]


def test_list_text_shows_name_version_state_depends_summary(crm_cli, addons) -> None:
    addons("basic")
    crm_cli("modules", "install", "alpha")
    out = crm_cli("modules", "list").output
    line = next(line for line in out.splitlines() if line.startswith("beta "))
    assert "1.0.0" in line and "available" in line and "alpha" in line and "Test module depending on alpha" in line
    assert "installed" in next(line for line in out.splitlines() if line.startswith("alpha "))


def test_uninstall_keeps_data_and_reinstall_brings_it_back(crm_cli, addons) -> None:
    addons("basic")
    crm_cli("modules", "install", "alpha")
    engine = sa.create_engine(crm_cli.url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alpha_item (name) VALUES ('entered by a user')"))
    engine.dispose()
    result = crm_cli("modules", "uninstall", "alpha", "--yes")
    assert result.exit_code == 0, result.output
    assert "alpha_item: 2 rows" in result.output and "tables (keep)" in result.output
    assert states(crm_cli)["alpha"] == "uninstalled"
    assert "alpha.items" not in {r[0] for r in rows(crm_cli.url, "SELECT key FROM core_menu")}
    assert crm_cli("modules", "install", "alpha").exit_code == 0
    # data back, seed data not loaded twice
    assert sorted(rows(crm_cli.url, "SELECT name FROM alpha_item")) == [("entered by a user",), ("seed",)]
    assert ("alpha.items",) in rows(crm_cli.url, "SELECT key FROM core_menu")


def test_purge_removes_tables_and_rows_it_owns(crm_cli, addons) -> None:
    addons("basic")
    crm_cli("modules", "install", "beta", "gamma")
    result = crm_cli("modules", "uninstall", "alpha", "--cascade", "--purge", "--yes")
    assert result.exit_code == 0, result.output
    assert "--cascade: these modules will be uninstalled too: bridge_ag, beta" in result.output
    assert "tables (drop)" in result.output
    left = tables(crm_cli.url)
    assert not {t for t in left if t.startswith(("alpha_", "beta_"))}
    for table in ("core_permission", "core_menu", "core_grant"):
        assert rows(crm_cli.url, f"SELECT * FROM {table} WHERE module IN ('alpha', 'beta', 'bridge_ag')") == []
    assert rows(crm_cli.url, "SELECT name FROM core_module ORDER BY name") == [("gamma",)]
    versions = {r[0] for r in rows(crm_cli.url, "SELECT version_num FROM alembic_version")}
    assert versions and all(v.startswith("core_") for v in versions)
    # reinstalling after purge starts fresh
    assert crm_cli("modules", "install", "alpha").exit_code == 0
    assert rows(crm_cli.url, "SELECT name FROM alpha_item") == [("seed",)]


def test_uninstall_refuses_while_dependents_installed(crm_cli, addons) -> None:
    addons("basic")
    crm_cli("modules", "install", "beta")
    before = snapshot(crm_cli.url)
    result = crm_cli("modules", "uninstall", "alpha", "--yes")
    assert result.exit_code == 1
    assert "cannot uninstall module 'alpha': installed modules depend on it: beta (use --cascade" in result.output
    assert snapshot(crm_cli.url) == before


def test_uninstall_asks_and_can_be_declined(crm_cli, addons) -> None:
    addons("basic")
    crm_cli("modules", "install", "alpha")
    before = snapshot(crm_cli.url)
    result = crm_cli("modules", "uninstall", "alpha", input="n\n")
    assert result.exit_code == 1
    assert "Uninstall?" in result.output and "nothing was changed" in result.output
    assert snapshot(crm_cli.url) == before


@pytest.mark.parametrize(
    ("folders", "args", "message"),
    [
        (("basic",), ("install", "nosuch"), "unknown module 'nosuch'"),
        (("cycle",), ("install", "c_one"), "is part of a dependency cycle: c_"),
        (("missing",), ("install", "needs_ghost"), "module 'needs_ghost' depends on 'ghost', which is not available"),
        (("corever",), ("install", "future"), "module 'future' requires core >=99, but this is core"),
        (("extras",), ("install", "heavy"), "module 'heavy' needs the python package 'crm-no-such-package-xyz>=1'"),
        (("badmanifest",), ("install", "badkey"), "badkey/manifest.toml: unknown key 'depend'"),
        (("badmanifest",), ("list",), "badkey/manifest.toml: unknown key 'depend'"),
        (("basic",), ("uninstall", "alpha", "--yes"), "module 'alpha' is not installed"),
        (("basic",), ("upgrade", "alpha"), "module 'alpha' is not installed; install it instead"),
    ],
)
def test_errors_name_module_and_cause_and_change_nothing(crm_cli, addons, folders, args, message) -> None:
    addons(*folders)
    before = snapshot(crm_cli.url)
    result = crm_cli("modules", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    after = snapshot(crm_cli.url)
    # the only thing an error may have done is create core's own empty bookkeeping tables
    assert {t: r for t, r in after.items() if t in before} == before
    assert all(t.startswith("core_") or t == "alembic_version" for t in set(after) - set(before))
    assert after.get("core_module", []) == []


@pytest.mark.parametrize(("folders", "module", "cause"), [
    (("failmig",), "failmig", "failmig_no_such_table"),
    (("basic", "faildata"), "faildata", "ValueError: demo file is corrupt"),
])
def test_failing_install_leaves_nothing_behind(crm_cli, addons, folders, module, cause) -> None:
    addons(*folders)
    crm_cli("modules", "install", "gamma") if "basic" in folders else crm_cli("db", "upgrade")
    if module == "faildata":
        crm_cli("modules", "install", "alpha")
    before = snapshot(crm_cli.url)
    result = crm_cli("modules", "install", module)
    assert result.exit_code == 1
    assert f"installing module '{module}' failed" in result.output
    assert cause in result.output
    assert "Nothing was changed" in result.output
    assert snapshot(crm_cli.url) == before
    assert module not in states(crm_cli) or states(crm_cli)[module] == "available"


def test_upgrade_runs_pending_migrations(crm_cli, addons) -> None:
    addons("upgrade_v1")
    assert crm_cli("modules", "install", "upmod").exit_code == 0
    engine = sa.create_engine(crm_cli.url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO upmod_thing (name) VALUES ('kept')"))
    engine.dispose()
    assert "nothing to upgrade" in crm_cli("modules", "upgrade").output
    addons("upgrade_v2")
    result = crm_cli("modules", "upgrade")
    assert result.exit_code == 0, result.output
    assert "upgrading upmod 1.0.0 -> 1.1.0" in result.output
    assert rows(crm_cli.url, "SELECT name, colour FROM upmod_thing") == [("kept", "red")]
    listed = json.loads(crm_cli("modules", "list", "--json").output)
    assert next(m for m in listed if m["name"] == "upmod")["installed_version"] == "1.1.0"
    assert "nothing to upgrade" in crm_cli("modules", "upgrade").output
    # db upgrade is the everything-pending command
    assert crm_cli("db", "upgrade").exit_code == 0


def test_conflicting_declarations_fail_naming_both_modules(make_app, addons) -> None:
    from core.loader import ModuleError

    addons("conflict")
    with pytest.raises(ModuleError, match="blueprint 'dup_x' is declared by both module 'dup' and module 'dup_x'"):
        make_app(("dup", "dup_x"))


def test_a_module_defines_a_hook_that_its_dependents_implement(make_app, addons) -> None:
    from core import toolkit

    addons("specs")
    app = make_app(("spec_owner", "spec_user"))
    with app.app_context():
        assert toolkit.hook_each("spec_owner_panels", record_id=7) == [("spec_user", [{"title": "panel for 7"}])]


def test_a_module_hook_outside_its_namespace_is_refused(make_app, addons) -> None:
    from core.loader import ModuleError

    addons("specs")
    with pytest.raises(ModuleError, match="module 'spec_bad': hook 'crm_stolen_name' it defines must start with 'spec_bad_'"):
        make_app(("spec_bad",))
