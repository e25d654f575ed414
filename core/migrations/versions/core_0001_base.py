"""core: module states, owned rows, grants, menus, permissions

Revision ID: core_0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_module",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("installed_version", sa.String(40), nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "core_meta",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "core_owned_row",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("xmlid", sa.String(120), nullable=False),
        sa.Column("table_name", sa.String(80), nullable=False),
        sa.Column("row_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("module", "xmlid", name="uq_core_owned_row_module"),
    )
    op.create_table(
        "core_grant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("object", sa.String(120), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("rights", sa.String(4), nullable=False),
        sa.Column("rule", sa.String(8), nullable=False),
        sa.UniqueConstraint("object", "role", name="uq_core_grant_object"),
    )
    op.create_table(
        "core_menu",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("endpoint", sa.String(120)),
        sa.Column("permission", sa.String(120)),
    )
    op.create_table(
        "core_permission",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("module", sa.String(40), nullable=False, index=True),
        sa.Column("label", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in ("core_permission", "core_menu", "core_grant", "core_owned_row", "core_meta", "core_module"):
        op.drop_table(table)
