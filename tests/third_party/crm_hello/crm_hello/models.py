"""Greetings: the module's one table (created by its migration, never by create_all)."""

from __future__ import annotations

import sqlalchemy as sa

from core import toolkit
from core.toolkit import Mapped, mapped_column


class Greeting(toolkit.RecordMixin, toolkit.db.Model):
    """A greeting, optionally to a person (``email``) or a contact of another module.

    ``contact_id`` is a plain number, not a foreign key: this module does not
    depend on the contacts module, it only listens to its events.
    """

    __tablename__ = "hello_greeting"

    text: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    contact_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
