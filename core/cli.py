"""The ``crm`` command line.

Core commands work on any database, even one whose installed modules are
broken (they use a maintenance app with core only); modules add their own
commands through the ``crm_cli_commands`` hook.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask

from core.app import create_app
from core.i18n_cli import i18n as i18n_group
from core.lifecycle import LifecycleError, ModuleManager
from core.loader import ModuleError


def _fail(exc: Exception) -> None:
    click.secho(f"Error: {exc}", fg="red", err=True)
    sys.exit(1)


def _maintenance_app() -> Flask:
    try:
        return create_app(modules=False)
    except (ModuleError, RuntimeError) as exc:
        _fail(exc)
        raise  # unreachable


def _manager() -> ModuleManager:
    app = _maintenance_app()
    try:
        return ModuleManager(app, echo=click.echo)
    except ModuleError as exc:
        _fail(exc)
        raise


@click.group()
def cli() -> None:
    """crm-suite: a modular CRM."""


# -- crm modules ---------------------------------------------------------------


@cli.group()
def modules() -> None:
    """List, install, upgrade and uninstall modules."""


@modules.command("list")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def modules_list(as_json: bool) -> None:
    """Name, version, state, depends and summary of every available module."""
    manager = _manager()
    states = manager.states()
    rows = []
    for name in sorted(manager.graph.manifests):
        m = manager.graph.manifests[name]
        state, version = states.get(name, ("available", None))
        rows.append({
            "name": name, "version": m.version, "installed_version": version, "state": state,
            "depends": list(m.depends), "summary": m.summary, "auto_install": m.auto_install,
            "origin": m.origin,
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(r["name"]) for r in rows), default=4)
    for r in rows:
        deps = ",".join(r["depends"]) or "-"
        click.echo(f"{r['name']:<{width}}  {r['version']:<8}  {r['state']:<11}  {deps:<20}  {r['summary']}")


@modules.command("install")
@click.argument("names", nargs=-1, required=True)
@click.option("--demo", is_flag=True, help="also load demo data")
def modules_install(names: tuple[str, ...], demo: bool) -> None:
    """Install modules, their dependencies first, then bridge modules."""
    manager = _manager()
    try:
        done = manager.install(list(names), demo=demo)
    except (ModuleError, LifecycleError) as exc:
        _fail(exc)
    click.echo(f"installed: {', '.join(done) if done else 'nothing (already installed)'}")


@modules.command("upgrade")
@click.argument("names", nargs=-1)
def modules_upgrade(names: tuple[str, ...]) -> None:
    """Run pending migrations of installed modules whose code is newer."""
    manager = _manager()
    try:
        done = manager.upgrade(list(names) or None)
    except (ModuleError, LifecycleError) as exc:
        _fail(exc)
    click.echo(f"upgraded: {', '.join(done) if done else 'nothing to upgrade'}")


@modules.command("uninstall")
@click.argument("name")
@click.option("--cascade", is_flag=True, help="also uninstall the installed modules that depend on it")
@click.option("--purge", is_flag=True, help="drop its tables and delete its data (default: keep them)")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def modules_uninstall(name: str, cascade: bool, purge: bool, yes: bool) -> None:
    """Uninstall a module after showing what will be removed."""
    manager = _manager()
    try:
        preview = manager.preview(name, cascade=cascade, purge=purge)
    except (ModuleError, LifecycleError) as exc:
        _fail(exc)
    if cascade and len(preview.modules) > 1:
        click.echo(f"--cascade: these modules will be uninstalled too: {', '.join(preview.modules[:-1])}")
    for line in preview.lines():
        click.echo(line)
    if not yes and not click.confirm("Uninstall?", default=False):
        click.echo("aborted; nothing was changed")
        sys.exit(1)
    try:
        done = manager.uninstall(name, cascade=cascade, purge=purge)
    except (ModuleError, LifecycleError) as exc:
        _fail(exc)
    click.echo(f"uninstalled: {', '.join(done)}")


# -- crm db --------------------------------------------------------------------


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Run every pending migration: core, then each installed module."""
    manager = _manager()
    try:
        manager.upgrade_core()
        done = manager.upgrade()
    except (ModuleError, LifecycleError) as exc:
        _fail(exc)
    click.echo(f"database is up to date ({', '.join(done) + ' upgraded' if done else 'no module upgrades'})")


@db_group.command("revision")
@click.argument("module")
@click.option("-m", "--message", required=True, help="what the migration does")
def db_revision(module: str, message: str) -> None:
    """Autogenerate MODULE's next migration from its models (for module authors)."""
    from core import migrate
    from core.extensions import db
    from core.lifecycle import read_states
    from core.plugins import call_each, make_plugin_manager, register_modules

    manager = _manager()
    try:
        manifest = manager.graph.get(module)
        manager.upgrade_core()
        pm = make_plugin_manager()
        register_modules(pm, [manifest])
        tables = {model.__tablename__ for _m, models in call_each(pm, "crm_models") for model in models}
        with manager.app.app_context(), db.engine.connect() as conn:
            known = [manager.graph.get(n) for n in read_states(conn) if n != module]
            deps = [h for dep in manifest.depends for h in migrate.branch_heads(conn, manager.graph.get(dep), known)]
            path = migrate.new_revision(conn, manifest, known, tables, message, depends_on=deps)
    except (ModuleError, LifecycleError, ValueError) as exc:
        _fail(exc)
    click.echo(f"wrote {path}; review it before committing")


# -- crm module new --------------------------------------------------------------


@cli.group("module")
def module_group() -> None:
    """Tools for module authors."""


@module_group.command("new")
@click.argument("name")
@click.option("--path", "path", default=".", type=click.Path(file_okay=False), help="folder to create it in")
def module_new(name: str, path: str) -> None:
    """Write a pip-installable third-party module with a passing test."""
    from core.scaffold import ScaffoldError, generate

    try:
        target = generate(name, path)
    except ScaffoldError as exc:
        _fail(exc)
    click.echo(f"created {target}")
    click.echo(f"next: pip install -e {target} && crm modules install {name}")


cli.add_command(i18n_group)  # crm i18n extract|update|compile|check


# -- crm worker / crm beat (background jobs, core.jobs) --------------------------


@cli.command("worker", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker_command(celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker for background jobs (needs CRM_BROKER_URL); other options go to Celery."""
    from core.jobs.commands import run_worker

    run_worker(list(celery_args))


@cli.command("beat", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat_command(celery_args: tuple[str, ...]) -> None:
    """Run the periodic schedules (Celery beat; without CRM_BROKER_URL it runs them itself)."""
    from core.jobs.commands import run_beat

    run_beat(list(celery_args))


# -- crm run -------------------------------------------------------------------


@cli.command("run")
@click.option("--host", default=None, help="address to listen on (CRM_HOST)")
@click.option("--port", default=None, type=int, help="port (CRM_PORT)")
def run_command(host: str | None, port: int | None) -> None:
    """Set up the database if new and serve the CRM (development server)."""
    from core.wsgi import serve

    serve(host=host, port=port)


# -- crm users / crm tokens (core.security.cli) ------------------------------------

from core.security.cli import tokens as _tokens_group  # noqa: E402
from core.security.cli import users as _users_group  # noqa: E402

cli.add_command(_users_group)
cli.add_command(_tokens_group)


def _module_commands(group: click.Group) -> None:
    """Add commands of installed modules, run inside an app context."""
    try:
        app = create_app()
    except Exception:  # database unreachable or modules broken: core commands still work
        return
    registry = app.extensions["crm"].registry
    for name, command in registry.cli_commands.items():
        if name in group.commands:
            owner = registry.owner("command", name)
            _fail(ModuleError(f"module '{owner}' declares command 'crm {name}', which core already has"))
        group.add_command(_with_app(app, command), name)


def _with_app(app: Flask, command: click.Command) -> click.Command:
    """Run a module command (and its subcommands) inside an app context."""
    original = command.invoke

    def invoke(ctx: click.Context) -> Any:
        with app.app_context():
            return original(ctx)

    command.invoke = invoke  # type: ignore[method-assign]
    return command


def main(argv: list[str] | None = None) -> Any:
    core_names = set(cli.commands)
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in core_names or args[0] in {"--help", "-h"}:
        _module_commands(cli)
    return cli.main(args=args, prog_name="crm")


if __name__ == "__main__":  # pragma: no cover
    main()
