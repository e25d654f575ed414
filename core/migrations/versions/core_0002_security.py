"""core: users, departments, roles, API tokens

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    role = op.create_table(
        "core_role",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("builtin", sa.Boolean, nullable=False),
    )
    op.bulk_insert(
        role,
        [
            {"name": "admin", "label": "Administrator", "builtin": True},
            {"name": "manager", "label": "Manager", "builtin": True},
            {"name": "user", "label": "User", "builtin": True},
        ],
    )
    # core_department.head_id -> core_user is added after core_user exists
    op.create_table(
        "core_department",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column(
            "parent_id", sa.Integer, sa.ForeignKey("core_department.id", ondelete="SET NULL"), nullable=True, index=True
        ),
        sa.Column("head_id", sa.Integer, nullable=True),
    )
    op.create_table(
        "core_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(40), sa.ForeignKey("core_role.name", onupdate="CASCADE"), nullable=False),
        sa.Column(
            "department_id", sa.Integer, sa.ForeignKey("core_department.id", ondelete="SET NULL"), nullable=True, index=True
        ),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime, nullable=True),
    )
    with op.batch_alter_table("core_department") as batch:
        batch.create_foreign_key(
            "fk_core_department_head_id_core_user", "core_user", ["head_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "core_api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("core_user.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("core_api_token")
    with op.batch_alter_table("core_department") as batch:
        batch.drop_constraint("fk_core_department_head_id_core_user", type_="foreignkey")
    op.drop_table("core_user")
    op.drop_table("core_department")
    op.drop_table("core_role")
