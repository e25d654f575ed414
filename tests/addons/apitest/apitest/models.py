"""apitest: one record type with text, number, flag, date and a relationship."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core import toolkit
from core.toolkit import Mapped, mapped_column, relationship


class Tag(toolkit.db.Model):
    __tablename__ = "apitest_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int] = mapped_column(sa.ForeignKey("apitest_thing.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(40))


class Thing(toolkit.RecordMixin, toolkit.db.Model):
    __tablename__ = "apitest_thing"

    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    score: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    done: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    due: Mapped[dt.date | None] = mapped_column(sa.Date, nullable=True)
    tags: Mapped[list[Tag]] = relationship(Tag, order_by=Tag.id, cascade="all, delete-orphan")
