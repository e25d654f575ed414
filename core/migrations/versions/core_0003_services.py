"""core: jobs, webhooks and their deliveries, audit trail, mail outbox

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_job",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("task", sa.String(120), nullable=False),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("kwargs", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_core_job_user_id_id", "core_job", ["user_id", "id"])
    op.create_table(
        "core_webhook",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "core_webhook_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("webhook_id", sa.Integer, sa.ForeignKey("core_webhook.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("event_name", sa.String(120), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("next_try_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("delivered_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_core_webhook_delivery_status_next", "core_webhook_delivery", ["status", "next_try_at"])
    op.create_table(
        "core_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("user_id", sa.Integer, nullable=True, index=True),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("object", sa.String(120), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_index("ix_core_audit_object_record", "core_audit", ["object", "record_id"])
    op.create_table(
        "core_mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("module", sa.String(40), nullable=True, index=True),
        sa.Column("to", sa.Text, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_core_mail_outbox_status_next", "core_mail_outbox", ["status", "next_try_at"])


def downgrade() -> None:
    for table in ("core_mail_outbox", "core_audit", "core_webhook_delivery", "core_webhook", "core_job"):
        op.drop_table(table)
