"""sales analytics: win model runs, customer statistics, KPI rollups (categories, stages, closed deals); covering indexes for the live KPI widgets

Revision ID: sales_0003
Revises: sales_0002
Create Date: 2026-11-24 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sales_0003"
down_revision = "sales_0002"
branch_labels = None
depends_on = None

MONEY_TOTAL = sa.Numeric(18, 2)

#: indexes on tables of the pipeline and documents parts that the live widgets read (name, table, columns).
#: Each covers its query: the rows are counted from the index alone, never looked up in the table.
COVERING = (
    # revenue per day/channel/salesperson of orders not cancelled, narrowed by the order record rule
    ("ix_sales_order_kpi", "sales_order",
     ["order_date", "currency", "status", "channel", "owner_id", "department_id", "amount_untaxed"]),
    # win rate, deal size, sales cycle of opportunities closed in a period
    # (status first: the same prefix as the pipeline's (status, closed_at), so the planner takes the covering one)
    ("ix_sales_opportunity_kpi", "sales_opportunity",
     ["status", "closed_at", "currency", "amount", "created_at", "owner_id", "department_id"]),
    # the pipeline part's kanban: count and total of the won/lost columns (deals closed in the last 30 days)
    # by a range on closed_at, instead of every deal ever won or lost in the stage
    ("ix_sales_opportunity_stage_closed", "sales_opportunity", ["stage_id", "status", "closed_at", "amount"]),
    # the pipeline part's forecast page: open opportunities by expected close, summed per stage and owner/team
    ("ix_sales_opportunity_forecast_cover", "sales_opportunity",
     ["status", "expected_close", "stage_id", "owner_id", "department_id", "pipeline_id", "amount",
      "weighted_amount"]),
)


def upgrade() -> None:
    op.create_table(
        "sales_win_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sales_win_model"),
        sa.Column("trained_at", sa.DateTime(), nullable=False),
        sa.Column("trained_by_id", sa.Integer(),
                  sa.ForeignKey("core_user.id", ondelete="SET NULL", name="fk_sales_win_model_trained_by_id_core_user"),
                  nullable=True),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("won", sa.Integer(), nullable=False),
        sa.Column("lost", sa.Integer(), nullable=False),
        sa.Column("holdout_size", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.DateTime(), nullable=True),
        sa.Column("auc", sa.Float(), nullable=True),
        sa.Column("predicted", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
    )
    op.create_index("ix_sales_win_model_trained_at", "sales_win_model", ["trained_at"])
    op.create_index("ix_sales_win_model_trained_by_id", "sales_win_model", ["trained_by_id"])

    op.create_table(
        "sales_customer_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sales_customer_stats"),
        sa.Column("company_id", sa.Integer(),
                  sa.ForeignKey("contacts_company.id", ondelete="CASCADE",
                                name="fk_sales_customer_stats_company_id_contacts_company"), nullable=True),
        sa.Column("contact_id", sa.Integer(),
                  sa.ForeignKey("contacts_contact.id", ondelete="CASCADE",
                                name="fk_sales_customer_stats_contact_id_contacts_contact"), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("orders_12m", sa.Integer(), nullable=False),
        sa.Column("revenue", MONEY_TOTAL, nullable=False),
        sa.Column("revenue_12m", MONEY_TOTAL, nullable=False),
        sa.Column("cost_12m", MONEY_TOTAL, nullable=False),
        sa.Column("profit_12m", MONEY_TOTAL, nullable=False),
        sa.Column("first_order", sa.Date(), nullable=True),
        sa.Column("last_order", sa.Date(), nullable=True),
        sa.Column("interval_days", sa.Numeric(10, 1), nullable=True),
        sa.Column("region", sa.String(100), nullable=True),
    )
    op.create_index("ix_sales_customer_stats_company", "sales_customer_stats", ["company_id", "currency"])
    op.create_index("ix_sales_customer_stats_contact", "sales_customer_stats", ["contact_id", "currency"])
    op.create_index("ix_sales_customer_stats_profit", "sales_customer_stats", ["currency", "profit_12m"])

    op.create_table(
        "sales_kpi_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sales_kpi_category"),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("revenue", MONEY_TOTAL, nullable=False),
        sa.Column("cost", MONEY_TOTAL, nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sales_kpi_category_month", "sales_kpi_category", ["month", "currency"])
    op.create_index("ix_sales_kpi_category_owner_id", "sales_kpi_category", ["owner_id"])
    op.create_index("ix_sales_kpi_category_department_id", "sales_kpi_category", ["department_id"])

    op.create_table(
        "sales_kpi_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sales_kpi_stage"),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("won", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sales_kpi_stage_month", "sales_kpi_stage", ["month", "pipeline_id"])
    op.create_index("ix_sales_kpi_stage_owner_id", "sales_kpi_stage", ["owner_id"])
    op.create_index("ix_sales_kpi_stage_department_id", "sales_kpi_stage", ["department_id"])

    op.create_table(
        "sales_kpi_closed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sales_kpi_closed"),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY_TOTAL, nullable=False),
        sa.Column("cycle_days", sa.Float(), nullable=False),
    )
    op.create_index("ix_sales_kpi_closed_month", "sales_kpi_closed", ["month", "status"])
    op.create_index("ix_sales_kpi_closed_owner_id", "sales_kpi_closed", ["owner_id"])
    op.create_index("ix_sales_kpi_closed_department_id", "sales_kpi_closed", ["department_id"])

    op.create_table(
        "sales_kpi_refresh",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sales_kpi_refresh"),
        sa.Column("refreshed_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("tiers_changed", sa.Integer(), nullable=False),
    )

    for name, table, columns in COVERING:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in COVERING:
        op.drop_index(name, table_name=table)
    for table in ("sales_kpi_refresh", "sales_kpi_closed", "sales_kpi_stage", "sales_kpi_category", "sales_customer_stats",
                  "sales_win_model"):
        op.drop_table(table)
