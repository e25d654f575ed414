from __future__ import annotations

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa


class Item(toolkit.db.Model):
    __tablename__ = "alpha_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    owner_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
