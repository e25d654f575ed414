"""Core's own bookkeeping tables: module states and what modules own."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ModuleState(db.Model):
    """One row per module ever installed in this database."""

    __tablename__ = "core_module"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: "installed" or "uninstalled" (tables kept, so reinstalling brings data back)
    state: Mapped[str] = mapped_column(sa.String(20), default="installed")
    installed_version: Mapped[str] = mapped_column(sa.String(40))
    demo: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)


class Meta(db.Model):
    """Small key/value facts about the database (e.g. the registry sequence)."""

    __tablename__ = "core_meta"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")


class OwnedRow(db.Model):
    """A row a module created in a table it does not own (its data files, a bridge).

    Uninstall with ``--purge`` deletes these rows; the preview lists them.
    """

    __tablename__ = "core_owned_row"
    __table_args__ = (sa.UniqueConstraint("module", "xmlid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    xmlid: Mapped[str] = mapped_column(sa.String(120))
    table_name: Mapped[str] = mapped_column(sa.String(80))
    row_id: Mapped[int] = mapped_column(sa.Integer)


class GrantRow(db.Model):
    """A role's rights on an object, as declared by a module (editable by admins)."""

    __tablename__ = "core_grant"
    __table_args__ = (sa.UniqueConstraint("object", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    object: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(40))
    rights: Mapped[str] = mapped_column(sa.String(4), default="")
    rule: Mapped[str] = mapped_column(sa.String(8), default="own")


class MenuRow(db.Model):
    """A menu entry a module registered at install (shown on the uninstall preview)."""

    __tablename__ = "core_menu"

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    endpoint: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    permission: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)


class PermissionRow(db.Model):
    """A permission name a module registered at install."""

    __tablename__ = "core_permission"

    name: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    label: Mapped[str] = mapped_column(sa.String(200), default="")
