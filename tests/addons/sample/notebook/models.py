"""A note: the smallest record that still has every kind of field a CRM form needs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa

STATUSES = ("open", "done")


class Note(toolkit.RecordMixin, toolkit.db.Model):
    __tablename__ = "notebook_note"
    __table_args__ = (
        # keyset pages of the default sort and of the title sort read these in order
        sa.Index("ix_notebook_note_updated_at_id", "updated_at", "id"),
        sa.Index("ix_notebook_note_title_id", "title", "id"),
    )

    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    due: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2), nullable=True)
    tags: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)

    #: for the list's "Owner" column (joined into the page query, never loaded row by row)
    owner: Mapped[Any] = toolkit.relationship(lambda: toolkit.User, lazy="raise", viewonly=True)
