from __future__ import annotations

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa


class Note(toolkit.RecordMixin, toolkit.db.Model):
    __tablename__ = "secdemo_note"

    title: Mapped[str] = mapped_column(sa.String(80))
