"""A loyalty card: points collected by a contact (references ``contacts_contact.id``)."""

from __future__ import annotations

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa


class Card(toolkit.db.Model):
    __tablename__ = "loyalty_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20))
    holder: Mapped[str] = mapped_column(sa.String(100))
    points: Mapped[int] = mapped_column(sa.Integer, default=0)
