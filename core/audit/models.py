"""``core_audit``: who created, changed or deleted which record, and what changed.

Rows are only ever inserted (by ``core.audit.capture``); no page or API
endpoint changes or deletes them. Purging a module deletes its rows (the
``module`` column), as it deletes the records they describe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import utcnow

ACTIONS = ("create", "update", "delete")


class AuditEntry(db.Model):
    __tablename__ = "core_audit"
    __table_args__ = (sa.Index("ix_core_audit_object_record", "object", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)
    #: no foreign key: the trail outlives deleted users
    user_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    #: ``<module>.<object>``, as in permissions (``contacts.contact``)
    object: Mapped[str] = mapped_column(sa.String(120))
    record_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    action: Mapped[str] = mapped_column(sa.String(10))
    #: ``{field: [old, new]}``
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
