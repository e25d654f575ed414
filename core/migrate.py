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
