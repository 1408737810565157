"""account flows and purchase plans

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 22:16:40.239643
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_flow_days',
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('inflow', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('outflow', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reported_by', sa.String(length=40), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_account_flow_days_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', 'day', name=op.f('pk_account_flow_days'))
    )
    op.create_table('purchase_plans',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_purchase_plans_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_plans'))
    )
    with op.batch_alter_table('purchase_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_plans_merchant_id'), ['merchant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('purchase_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_plans_merchant_id'))

    op.drop_table('purchase_plans')
    op.drop_table('account_flow_days')
