from __future__ import annotations

from alpha.models import Item  # noqa: F401  (beta depends on alpha)

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa


class Note(toolkit.db.Model):
    __tablename__ = "beta_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("alpha_item.id"))
    text: Mapped[str] = mapped_column(sa.Text)
