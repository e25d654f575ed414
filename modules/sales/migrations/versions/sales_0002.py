"""quotes (with revisions), sales orders and their status history, contracts, invoices, payments, document counters

Revision ID: sales_0002
Revises: sales_0001
Create Date: 2026-11-24 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'sales_0002'
down_revision = 'sales_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sales_counter',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_sales_counter'))
    )
    op.create_table('sales_quote',
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('pricelist_id', sa.Integer(), nullable=True),
    sa.Column('quote_date', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('amount_untaxed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_tax', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['contacts_company.id'], name=op.f('fk_sales_quote_company_id_contacts_company'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_sales_quote_contact_id_contacts_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_sales_quote_department_id_core_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['sales_opportunity.id'], name=op.f('fk_sales_quote_opportunity_id_sales_opportunity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_sales_quote_owner_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pricelist_id'], ['products_pricelist.id'], name=op.f('fk_sales_quote_pricelist_id_products_pricelist'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['sales_quote.id'], name=op.f('fk_sales_quote_superseded_by_id_sales_quote'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_quote')),
    sa.UniqueConstraint('number', 'revision', name='uq_sales_quote_number_revision')
    )
    with op.batch_alter_table('sales_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_quote_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_number'), ['number'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_pricelist_id'), ['pricelist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_quote_date'), ['quote_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_superseded_by_id'), ['superseded_by_id'], unique=False)
        batch_op.create_index('ix_sales_quote_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_valid_until'), ['valid_until'], unique=False)

    op.create_table('sales_order',
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_untaxed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_tax', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['contacts_company.id'], name=op.f('fk_sales_order_company_id_contacts_company'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_sales_order_contact_id_contacts_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_sales_order_department_id_core_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['sales_opportunity.id'], name=op.f('fk_sales_order_opportunity_id_sales_opportunity'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_sales_order_owner_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['sales_quote.id'], name=op.f('fk_sales_order_quote_id_sales_quote'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order')),
    sa.UniqueConstraint('number', name=op.f('uq_sales_order_number'))
    )
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_amount_total'), ['amount_total'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_sales_order_date_id', ['order_date', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_order_date'), ['order_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_status'), ['status'], unique=False)
        batch_op.create_index('ix_sales_order_updated', ['updated_at', 'id'], unique=False)

    op.create_table('sales_quote_line',
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('price_overridden', sa.Boolean(), nullable=False),
    sa.Column('pricelist_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tax_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products_product.id'], name=op.f('fk_sales_quote_line_product_id_products_product'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['quote_id'], ['sales_quote.id'], name=op.f('fk_sales_quote_line_quote_id_sales_quote'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_quote_line'))
    )
    with op.batch_alter_table('sales_quote_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_quote_line_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_quote_line_quote_id'), ['quote_id'], unique=False)

    op.create_table('sales_contract',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('renewal_date', sa.Date(), nullable=True),
    sa.Column('reminder_days', sa.Integer(), nullable=False),
    sa.Column('reminded_for', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['contacts_company.id'], name=op.f('fk_sales_contract_company_id_contacts_company'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_sales_contract_contact_id_contacts_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_sales_contract_department_id_core_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_sales_contract_order_id_sales_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_sales_contract_owner_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_contract'))
    )
    with op.batch_alter_table('sales_contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_contract_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_end_date'), ['end_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_renewal_date'), ['renewal_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_start_date'), ['start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_contract_status'), ['status'], unique=False)
        batch_op.create_index('ix_sales_contract_updated', ['updated_at', 'id'], unique=False)

    op.create_table('sales_invoice',
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('payment_days', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_untaxed', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_tax', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('amount_paid', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False, server_default='1'),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['contacts_company.id'], name=op.f('fk_sales_invoice_company_id_contacts_company'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts_contact.id'], name=op.f('fk_sales_invoice_contact_id_contacts_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_sales_invoice_department_id_core_department'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_sales_invoice_order_id_sales_order'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_sales_invoice_owner_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_sales_invoice_number'))
    )
    with op.batch_alter_table('sales_invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_invoice_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_issued_on'), ['issued_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_status'), ['status'], unique=False)
        batch_op.create_index('ix_sales_invoice_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index('ix_sales_invoice_updated', ['updated_at', 'id'], unique=False)

    op.create_table('sales_order_line',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('quantity_invoiced', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tax_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_sales_order_line_order_id_sales_order'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products_product.id'], name=op.f('fk_sales_order_line_product_id_products_product'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_line'))
    )
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_line_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_line_product_id'), ['product_id'], unique=False)

    op.create_table('sales_order_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['core_user.id'], name=op.f('fk_sales_order_status_changed_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_sales_order_status_order_id_sales_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_status'))
    )
    with op.batch_alter_table('sales_order_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_status_changed_by_id'), ['changed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_status_order_id'), ['order_id'], unique=False)

    op.create_table('sales_invoice_line',
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('discount', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('tax_rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tax_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['sales_invoice.id'], name=op.f('fk_sales_invoice_line_invoice_id_sales_invoice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_line_id'], ['sales_order_line.id'], name=op.f('fk_sales_invoice_line_order_line_id_sales_order_line'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['products_product.id'], name=op.f('fk_sales_invoice_line_product_id_products_product'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_invoice_line'))
    )
    with op.batch_alter_table('sales_invoice_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_invoice_line_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_line_order_line_id'), ['order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_invoice_line_product_id'), ['product_id'], unique=False)

    op.create_table('sales_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_sales_payment_created_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['sales_invoice.id'], name=op.f('fk_sales_payment_invoice_id_sales_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_payment'))
    )
    with op.batch_alter_table('sales_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_payment_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_payment_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_payment_paid_on'), ['paid_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sales_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_payment_paid_on'))
        batch_op.drop_index(batch_op.f('ix_sales_payment_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_sales_payment_created_by_id'))

    op.drop_table('sales_payment')
    with op.batch_alter_table('sales_invoice_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_invoice_line_product_id'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_line_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_line_invoice_id'))

    op.drop_table('sales_invoice_line')
    with op.batch_alter_table('sales_order_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_order_status_order_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_status_changed_by_id'))

    op.drop_table('sales_order_status')
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_order_line_product_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_line_order_id'))

    op.drop_table('sales_order_line')
    with op.batch_alter_table('sales_invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_invoice_updated')
        batch_op.drop_index('ix_sales_invoice_status_due')
        batch_op.drop_index(batch_op.f('ix_sales_invoice_status'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_owner_id'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_order_id'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_issued_on'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_due_on'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_department_id'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_contact_id'))
        batch_op.drop_index(batch_op.f('ix_sales_invoice_company_id'))

    op.drop_table('sales_invoice')
    with op.batch_alter_table('sales_contract', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_contract_updated')
        batch_op.drop_index(batch_op.f('ix_sales_contract_status'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_start_date'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_renewal_date'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_owner_id'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_order_id'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_end_date'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_department_id'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_contact_id'))
        batch_op.drop_index(batch_op.f('ix_sales_contract_company_id'))

    op.drop_table('sales_contract')
    with op.batch_alter_table('sales_quote_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_quote_line_quote_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_line_product_id'))

    op.drop_table('sales_quote_line')
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_order_updated')
        batch_op.drop_index(batch_op.f('ix_sales_order_status'))
        batch_op.drop_index(batch_op.f('ix_sales_order_quote_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_owner_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_order_date'))
        batch_op.drop_index(batch_op.f('ix_sales_order_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_department_id'))
        batch_op.drop_index('ix_sales_order_date_id')
        batch_op.drop_index(batch_op.f('ix_sales_order_contact_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_company_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_channel'))
        batch_op.drop_index(batch_op.f('ix_sales_order_amount_total'))

    op.drop_table('sales_order')
    with op.batch_alter_table('sales_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_quote_valid_until'))
        batch_op.drop_index('ix_sales_quote_updated')
        batch_op.drop_index(batch_op.f('ix_sales_quote_superseded_by_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_status'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_quote_date'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_pricelist_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_owner_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_order_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_opportunity_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_number'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_department_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_contact_id'))
        batch_op.drop_index(batch_op.f('ix_sales_quote_company_id'))

    op.drop_table('sales_quote')
    op.drop_table('sales_counter')
