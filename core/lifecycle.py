"""Install, upgrade and uninstall modules in one database.

Each module's operation runs in one database transaction: its migrations,
its data, its permission and menu registrations and its state row. If
anything fails the transaction is rolled back, so the database is exactly as
it was and the module stays uninstalled (SQLite included, see ``core.db``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pluggy
import sqlalchemy as sa
from flask import Flask
from packaging.version import Version

from core import migrate
from core.extensions import db
from core.loader import ModuleError, ModuleGraph, check_environment, load_graph
from core.manifest import Manifest
from core.models import GrantRow, MenuRow, Meta, ModuleState, OwnedRow, PermissionRow, utcnow
from core.plugins import call_one, make_plugin_manager, register_modules
from core.registry import build_registry

REGISTRY_SEQ = "registry_seq"

Echo = Callable[[str], None]


class LifecycleError(RuntimeError):
    """A module operation failed and was rolled back; the message says which and why."""


@dataclass
class TablePreview:
    name: str
    rows: int


@dataclass
class UninstallPreview:
    """What ``uninstall`` is about to do, shown before it asks for confirmation."""

    modules: list[str]
    purge: bool
    tables: dict[str, list[TablePreview]] = field(default_factory=dict)
    menus: dict[str, list[str]] = field(default_factory=dict)
    permissions: dict[str, list[str]] = field(default_factory=dict)
    owned_rows: dict[str, int] = field(default_factory=dict)
    core_rows: dict[str, dict[str, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out: list[str] = []
        verb = "drop" if self.purge else "keep"
        for name in self.modules:
            out.append(f"module {name}:")
            tables = self.tables.get(name, [])
            if tables:
                out.append(f"  tables ({verb}):")
                out.extend(f"    {t.name}: {t.rows} rows" for t in tables)
            else:
                out.append("  tables: none")
            menus = self.menus.get(name, [])
            out.append(f"  menus (remove): {', '.join(menus) if menus else 'none'}")
            perms = self.permissions.get(name, [])
            out.append(f"  permissions (remove): {', '.join(perms) if perms else 'none'}")
            if self.owned_rows.get(name):
                out.append(f"  rows it created in other tables ({'delete' if self.purge else 'keep'}): {self.owned_rows[name]}")
            for table, count in sorted(self.core_rows.get(name, {}).items()):
                if count:
                    out.append(f"  {table} rows ({'delete' if self.purge else 'keep'}): {count}")
        if not self.purge:
            out.append("Data is kept: installing again brings it back. Use --purge to delete it.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "modules": self.modules,
            "purge": self.purge,
            "tables": {m: [{"name": t.name, "rows": t.rows} for t in ts] for m, ts in self.tables.items()},
            "menus": self.menus,
            "permissions": self.permissions,
            "owned_rows": self.owned_rows,
            "core_rows": self.core_rows,
        }


@contextlib.contextmanager
def bound_session(connection: sa.Connection) -> Iterator[Any]:
    """Make ``db.session`` use ``connection`` (and its open transaction) for a while."""
    session = db.session.session_factory(bind=connection, join_transaction_mode="create_savepoint")
    db.session.registry.set(session)
    try:
        yield session
        session.commit()  # releases the savepoint; the caller's transaction decides
    finally:
        session.close()
        db.session.registry.clear()


def core_tables_ready(connection: sa.Connection) -> bool:
    return sa.inspect(connection).has_table("core_module")


def read_states(connection: sa.Connection) -> dict[str, tuple[str, str]]:
    """name -> (state, installed_version); empty before core's tables exist."""
    if not core_tables_ready(connection):
        return {}
    rows = connection.execute(sa.text("SELECT name, state, installed_version FROM core_module"))
    return {name: (state, version) for name, state, version in rows}


def installed_names(connection: sa.Connection) -> list[str]:
    return sorted(n for n, (state, _v) in read_states(connection).items() if state == "installed")


def bump_registry(session: Any) -> None:
    row = session.get(Meta, REGISTRY_SEQ)
    if row is None:
        session.add(Meta(key=REGISTRY_SEQ, value="1"))
    else:
        row.value = str(int(row.value or "0") + 1)


def registry_seq(connection: sa.Connection) -> str:
    if not core_tables_ready(connection):
        return "0"
    value = connection.execute(sa.text("SELECT value FROM core_meta WHERE key = :k"), {"k": REGISTRY_SEQ}).scalar()
    return value or "0"


class ModuleManager:
    """Module operations on the database of ``app``."""

    def __init__(self, app: Flask, graph: ModuleGraph | None = None, echo: Echo | None = None) -> None:
        self.app = app
        self.graph = graph or load_graph()
        self.echo: Echo = echo or (lambda _msg: None)

    # -- reading ---------------------------------------------------------

    @property
    def engine(self) -> sa.Engine:
        with self.app.app_context():
            return db.engine

    def states(self) -> dict[str, tuple[str, str]]:
        with self.engine.connect() as conn:
            return read_states(conn)

    def installed(self) -> list[str]:
        with self.engine.connect() as conn:
            return installed_names(conn)

    def _known_manifests(self, states: dict[str, tuple[str, str]]) -> list[Manifest]:
        """Manifests whose migrations Alembic must see (installed or kept after uninstall)."""
        known = []
        for name in states:
            if name not in self.graph.manifests:
                raise ModuleError(
                    f"module '{name}' is recorded in this database but its code is not available; "
                    "install its package again"
                )
            known.append(self.graph.manifests[name])
        return known

    # -- core ------------------------------------------------------------

    def upgrade_core(self) -> None:
        with self.engine.connect() as conn:
            with conn.begin():
                migrate.upgrade_core(conn, self._known_manifests(read_states(conn)))

    # -- install ---------------------------------------------------------

    def install(self, names: list[str], demo: bool = False) -> list[str]:
        """Install ``names`` with their dependencies, then bridges; return what was installed."""
        for name in names:
            self.graph.get(name)
        self.upgrade_core()
        done: list[str] = []
        targets = self.graph.closure(names)
        while True:
            installed = set(self.installed())
            todo = [n for n in self.graph.order(targets) if n not in installed]
            for name in todo:
                check_environment(self.graph.get(name))
            for name in todo:
                self._install_one(name, demo)
                done.append(name)
            bridges = self.graph.auto_installable(set(self.installed()))
            if not bridges:
                return done
            self.echo(f"auto-installing bridge modules: {', '.join(bridges)}")
            targets = self.graph.closure(bridges)

    @contextlib.contextmanager
    def _atomic(self, verb: str, name: str, tail: str = "Nothing was changed.") -> Iterator[sa.Connection]:
        """One transaction for one module operation; any failure rolls it all back and says so."""
        try:
            with self.app.app_context(), self.engine.connect() as conn:
                with conn.begin():
                    yield conn
        except (ModuleError, LifecycleError):
            raise
        except Exception as exc:
            raise LifecycleError(f"{verb} module '{name}' failed: {type(exc).__name__}: {exc}. {tail}") from exc

    def _apply(self, manifest: Manifest, *, verb: str, tail: str, demo: bool = False) -> None:
        """Migrate the module to its code's head, load its data the first time, register it."""
        name = manifest.name
        pm = make_plugin_manager()
        register_modules(pm, [manifest])
        with self._atomic(verb, name, tail) as conn:
            states = read_states(conn)
            known = [m for m in self._known_manifests(states) if m.name != name]
            migrate.upgrade_module(conn, manifest, known)
            with bound_session(conn) as session:
                if name not in states:
                    call_one(pm, name, "crm_install_data", demo=demo)
                    session.flush()
                self._register_access(session, pm, manifest)
                row = session.get(ModuleState, name)
                if row is None:
                    row = ModuleState(name=name, demo=demo)
                    session.add(row)
                row.state = "installed"
                row.installed_version = manifest.version
                row.updated_at = utcnow()
                bump_registry(session)

    def _install_one(self, name: str, demo: bool) -> None:
        manifest = self.graph.get(name)
        self.echo(f"installing {name} {manifest.version}")
        self._apply(
            manifest, verb="installing", tail="Nothing was changed; the module stays uninstalled.", demo=demo
        )

    def _register_access(self, session: Any, pm: pluggy.PluginManager, manifest: Manifest) -> None:
        """Store the module's permissions, default grants and menus (keeping admin edits)."""
        reg = build_registry(pm, {manifest.name: manifest}, [manifest.name])
        name = manifest.name
        session.execute(sa.delete(PermissionRow).where(PermissionRow.module == name))
        session.execute(sa.delete(MenuRow).where(MenuRow.module == name))
        session.flush()
        for obj in reg.objects.values():
            for perm in obj.permission_names():
                session.add(PermissionRow(name=perm, module=name, label=f"{obj.label} {perm.rsplit('.', 1)[1]}"))
            existing = {
                g.role: g for g in session.scalars(sa.select(GrantRow).where(GrantRow.object == obj.object))
            }
            for role, rights in obj.grants.items():
                if role not in existing:
                    session.add(
                        GrantRow(module=name, object=obj.object, role=role, rights=rights,
                                 rule=obj.rules.get(role, "own"))
                    )
        for perm in reg.permissions.values():
            session.add(PermissionRow(name=perm.name, module=name, label=str(perm.label)))
        for item in reg.menu.values():
            session.add(MenuRow(key=item.key, module=name, endpoint=item.endpoint, permission=item.permission))

    # -- upgrade -----------------------------------------------------------

    def upgrade(self, names: list[str] | None = None) -> list[str]:
        """Run pending migrations of installed modules whose code is newer; return upgraded names."""
        self.upgrade_core()
        states = self.states()
        installed = [n for n, (s, _v) in states.items() if s == "installed"]
        targets = installed if not names else names
        for name in targets:
            self.graph.get(name)
            if name not in installed:
                raise ModuleError(f"module '{name}' is not installed; install it instead")
        done: list[str] = []
        for name in self.graph.order(targets):
            manifest = self.graph.get(name)
            check_environment(manifest)
            have = states[name][1]
            with self.engine.connect() as conn:
                pending = migrate.pending(conn, manifest, self._known_manifests(states))
            if Version(manifest.version) < Version(have):
                raise ModuleError(
                    f"module '{name}': installed version {have} is newer than the code ({manifest.version}); "
                    "downgrades are not supported"
                )
            if Version(manifest.version) == Version(have) and not pending:
                continue
            self.echo(f"upgrading {name} {have} -> {manifest.version}")
            self._apply(manifest, verb="upgrading", tail="Nothing was changed.")
            done.append(name)
        return done

    # -- uninstall -----------------------------------------------------------

    def uninstall_plan(self, name: str, cascade: bool) -> list[str]:
        """Modules to uninstall, dependents first; raise when dependents exist without cascade."""
        self.graph.get(name)
        installed = self.installed()
        if name not in installed:
            raise ModuleError(f"module '{name}' is not installed")
        dependents = self.graph.dependents(name, installed)
        if dependents and not cascade:
            raise ModuleError(
                f"cannot uninstall module '{name}': installed modules depend on it: "
                f"{', '.join(sorted(dependents))} (use --cascade to uninstall them too)"
            )
        return list(reversed(self.graph.order(dependents | {name})))

    def preview(self, name: str, cascade: bool = False, purge: bool = False) -> UninstallPreview:
        plan = self.uninstall_plan(name, cascade)
        preview = UninstallPreview(modules=plan, purge=purge)
        with self.engine.connect() as conn:
            for module in plan:
                preview.tables[module] = [
                    TablePreview(t, conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())
                    for t in self.owned_tables(conn, module)
                ]
                preview.menus[module] = list(
                    conn.execute(sa.select(MenuRow.key).where(MenuRow.module == module).order_by(MenuRow.key)).scalars()
                )
                preview.permissions[module] = list(
                    conn.execute(
                        sa.select(PermissionRow.name).where(PermissionRow.module == module).order_by(PermissionRow.name)
                    ).scalars()
                )
                preview.owned_rows[module] = conn.execute(
                    sa.select(sa.func.count()).select_from(OwnedRow).where(OwnedRow.module == module)
                ).scalar_one()
                preview.core_rows[module] = {
                    table: conn.execute(
                        sa.text(f'SELECT COUNT(*) FROM "{table}" WHERE module = :m'), {"m": module}
                    ).scalar_one()
                    for table in self.module_tagged_core_tables(conn)
                }
        return preview

    def owned_tables(self, conn: sa.Connection, module: str) -> list[str]:
        """Tables named with the module's prefix that no other module's longer prefix claims."""
        prefix = module + "_"
        longer = [n + "_" for n in self.graph.manifests if n != module and n.startswith(prefix)]
        return sorted(
            t
            for t in sa.inspect(conn).get_table_names()
            if t.startswith(prefix) and not any(t.startswith(p) for p in longer)
        )

    @staticmethod
    def module_tagged_core_tables(conn: sa.Connection) -> list[str]:
        """Core tables with a ``module`` column, whose rows belong to that module."""
        inspector = sa.inspect(conn)
        skip = {"core_module", "core_owned_row", "core_menu", "core_permission"}
        return sorted(
            t
            for t in inspector.get_table_names()
            if t.startswith("core_") and t not in skip
            and any(c["name"] == "module" for c in inspector.get_columns(t))
        )

    def uninstall(self, name: str, cascade: bool = False, purge: bool = False) -> list[str]:
        plan = self.uninstall_plan(name, cascade)
        for module in plan:
            self._uninstall_one(module, purge)
        return plan

    def _uninstall_one(self, name: str, purge: bool) -> None:
        manifest = self.graph.get(name)
        self.echo(f"uninstalling {name}{' (purge)' if purge else ''}")
        with self._atomic("uninstalling", name) as conn:
            states = read_states(conn)
            known = [m for m in self._known_manifests(states) if m.name != name]
            with bound_session(conn) as session:
                session.execute(sa.delete(MenuRow).where(MenuRow.module == name))
                session.execute(sa.delete(PermissionRow).where(PermissionRow.module == name))
                if purge:
                    for row in session.scalars(sa.select(OwnedRow).where(OwnedRow.module == name)):
                        session.execute(
                            sa.text(f'DELETE FROM "{row.table_name}" WHERE id = :id'), {"id": row.row_id}
                        )
                    session.execute(sa.delete(OwnedRow).where(OwnedRow.module == name))
                    for table in self.module_tagged_core_tables(conn):
                        session.execute(sa.text(f'DELETE FROM "{table}" WHERE module = :m'), {"m": name})
                    session.execute(sa.delete(ModuleState).where(ModuleState.name == name))
                else:
                    row = session.get(ModuleState, name)
                    row.state = "uninstalled"
                    row.updated_at = utcnow()
                bump_registry(session)
            if purge:
                migrate.downgrade_module(conn, manifest, known)
                left = self.owned_tables(conn, name)
                if left:
                    raise LifecycleError(
                        f"module '{name}': its migrations left tables behind after purge: {', '.join(left)}"
                    )
