"""``core_job``: one row per job a user (or code on their behalf) enqueued.

The row is the job's public face: the progress page and ``/jobs/<id>.json``
read it, the worker writes state, progress and result into it. It is created
in the caller's transaction, so a request that rolls back leaves no job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import utcnow

STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    __tablename__ = "core_job"
    __table_args__ = (sa.Index("ix_core_job_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``<module>.<task>``
    task: Mapped[str] = mapped_column(sa.String(120))
    #: the module owning the task; purging the module deletes its jobs
    module: Mapped[str] = mapped_column(sa.String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True
    )
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    message: Mapped[str] = mapped_column(sa.String(500), default="")
    kwargs: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() + "Z" if value else None

        return {
            "id": self.id, "task": self.task, "module": self.module, "user_id": self.user_id,
            "state": self.state, "progress": self.progress, "message": self.message,
            "result": self.result, "attempts": self.attempts, "created_at": iso(self.created_at),
            "started_at": iso(self.started_at), "finished_at": iso(self.finished_at),
        }
