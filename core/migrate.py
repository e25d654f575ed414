"""Alembic, one version branch per module and one for core.

Core's migrations live in ``core/migrations/versions``; a module's in
``<module>/migrations/versions``, its first revision carrying
``branch_labels = ("<module>",)``. Only the folders of modules that are
installed (or being installed) are given to Alembic, so a module that is not
installed contributes nothing, not even its migration files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from core.manifest import Manifest

CORE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def module_versions_dir(manifest: Manifest) -> Path | None:
    if manifest.path is None:
        return None
    path = manifest.path / "migrations" / "versions"
    return path if path.is_dir() else None


def alembic_config(connection: sa.Connection, manifests: Iterable[Manifest]) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
    locations = [str(CORE_MIGRATIONS / "versions")]
    for manifest in manifests:
        path = module_versions_dir(manifest)
        if path is not None and str(path) not in locations:
            locations.append(str(path))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.attributes["connection"] = connection
    # naming conventions for constraints created by op.create_table & co.
    from core.extensions import db

    cfg.attributes["target_metadata"] = db.metadata
    return cfg


def _heads_in(script: ScriptDirectory, folder: Path) -> list[str]:
    folder = folder.resolve()
    return sorted(
        rev.revision
        for rev in script.get_revisions("heads")
        if rev is not None and Path(rev.path).resolve().parent == folder
    )


def upgrade_core(connection: sa.Connection, installed: Iterable[Manifest]) -> None:
    """Bring core's tables to their newest revision."""
    cfg = alembic_config(connection, installed)
    script = ScriptDirectory.from_config(cfg)
    for head in _heads_in(script, CORE_MIGRATIONS / "versions"):
        command.upgrade(cfg, head)


def upgrade_module(connection: sa.Connection, manifest: Manifest, installed: Iterable[Manifest]) -> bool:
    """Run the module's pending migrations; return whether it has any migrations at all."""
    folder = module_versions_dir(manifest)
    if folder is None:
        return False
    cfg = alembic_config(connection, [*installed, manifest])
    script = ScriptDirectory.from_config(cfg)
    for head in _heads_in(script, folder):
        command.upgrade(cfg, head)
    return True


def downgrade_module(connection: sa.Connection, manifest: Manifest, installed: Iterable[Manifest]) -> None:
    """Undo all of the module's migrations (drops its tables)."""
    if module_versions_dir(manifest) is None:
        return
    cfg = alembic_config(connection, [*installed, manifest])
    command.downgrade(cfg, f"{manifest.name}@base")


def pending(connection: sa.Connection, manifest: Manifest, installed: Iterable[Manifest]) -> list[str]:
    """Revisions of the module not yet applied."""
    folder = module_versions_dir(manifest)
    if folder is None:
        return []
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config(connection, [*installed, manifest])
    script = ScriptDirectory.from_config(cfg)
    applied = set(MigrationContext.configure(connection).get_current_heads())
    done: set[str] = set()
    for head in applied:
        try:
            for rev in script.iterate_revisions(head, "base"):
                done.add(rev.revision)
        except Exception:  # a head from a module whose folder is not given: not ours
            continue
    result = []
    for rev in script.walk_revisions():
        if Path(rev.path).resolve().parent == folder.resolve() and rev.revision not in done:
            result.append(rev.revision)
    return result


def new_revision(
    connection: sa.Connection,
    manifest: Manifest,
    known: Iterable[Manifest],
    tables: set[str],
    message: str,
    depends_on: list[str] | None = None,
) -> Path:
    """Autogenerate the module's next migration from its models (only its ``tables``).

    The first revision of a module starts its branch (``branch_labels``);
    later ones follow its head. Returns the written file.
    """
    if manifest.path is None:
        raise ValueError(f"module '{manifest.name}' has no code folder")
    folder = manifest.path / "migrations" / "versions"
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob(f"{manifest.name}_*.py"))
    number = len(existing) + 1
    cfg = alembic_config(connection, [*known, manifest])
    cfg.set_main_option("file_template", "%%(rev)s")

    def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        if type_ == "table":
            return name in tables
        if type_ == "index" and reflected and compare_to is None and (name or "").endswith("_prefix"):
            return False  # made by toolkit.prefix_search_index in a migration, not declared on the model
        table = getattr(obj, "table", None)
        return table is None or table.name in tables

    cfg.attributes["include_object"] = include_object
    first = number == 1
    script = command.revision(
        cfg,
        message=message,
        autogenerate=True,
        head="base" if first else f"{manifest.name}@head",
        branch_label=manifest.name if first else None,
        version_path=str(folder),
        rev_id=f"{manifest.name}_{number:04d}",
        depends_on=depends_on or None,
    )
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def branch_heads(connection: sa.Connection, manifest: Manifest, known: Iterable[Manifest]) -> list[str]:
    """Current head revisions of a module's branch (for ``depends_on`` of a dependent module)."""
    folder = module_versions_dir(manifest)
    if folder is None:
        return []
    cfg = alembic_config(connection, [*known, manifest])
    return _heads_in(ScriptDirectory.from_config(cfg), folder)
