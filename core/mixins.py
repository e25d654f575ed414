"""Columns every business record carries: owner, department, audit stamps, version.

``owner_id`` and ``department_id`` drive the record rules (own / team / all);
``version`` gives optimistic locking: a save based on a stale version is
refused with a conflict instead of overwriting someone else's change.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.models import utcnow


class RecordMixin:
    """Mix into a module's model: ``class Contact(RecordMixin, toolkit.db.Model)``."""

    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True, index=True)

    @declared_attr
    def department_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey("core_department.id", ondelete="SET NULL"), nullable=True, index=True)

    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


def record_columns() -> list[sa.Column]:
    """The same columns for a migration's ``op.create_table`` (keeps migrations and models in step)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True, index=True),
        sa.Column(
            "department_id", sa.Integer, sa.ForeignKey("core_department.id", ondelete="SET NULL"), nullable=True, index=True
        ),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]
