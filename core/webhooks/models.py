"""``core_webhook`` (an admin's subscription) and ``core_webhook_delivery`` (its log)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import utcnow

DELIVERY_STATES = ("pending", "success", "failed")


class Webhook(db.Model):
    """POST every event whose name matches one of ``events`` to ``url``, signed with ``secret``."""

    __tablename__ = "core_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    #: event name patterns, e.g. ``["contact.*", "opportunity.won"]``
    events: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: HMAC key; the receiver needs it to verify ``X-CRM-Signature``
    secret: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One event sent (or being sent) to one webhook, with its attempts."""

    __tablename__ = "core_webhook_delivery"
    __table_args__ = (sa.Index("ix_core_webhook_delivery_status_next", "status", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("core_webhook.id", ondelete="CASCADE"), index=True)
    #: the module that published the event (purging it deletes these rows)
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(32))
    event_name: Mapped[str] = mapped_column(sa.String(120))
    #: the exact JSON body sent (and signed) on every attempt
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    next_try_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    webhook: Mapped[Webhook] = relationship()
