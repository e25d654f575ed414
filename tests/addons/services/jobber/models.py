from __future__ import annotations

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa


class Note(toolkit.RecordMixin, toolkit.db.Model):
    __tablename__ = "jobber_note"

    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    secret_token: Mapped[str] = mapped_column(sa.String(40), default="")
