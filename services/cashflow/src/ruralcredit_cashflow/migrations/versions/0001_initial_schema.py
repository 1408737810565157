"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 22:11:09.351673
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_flow_days',
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('inflow', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('outflow', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('merchant_id', 'day', name=op.f('pk_account_flow_days'))
    )
    op.create_table('assessments',
    sa.Column('application_id', sa.String(length=40), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('merchant_days',
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('gross_sales', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('refunds', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('payouts', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('merchant_id', 'day', name=op.f('pk_merchant_days'))
    )
    op.create_table('merchant_platforms',
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.String(length=40), nullable=False),
    sa.Column('settlement_lag_days', sa.Integer(), nullable=False),
    sa.Column('fee_rate', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('merchant_id', name=op.f('pk_merchant_platforms'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('key', sa.LargeBinary(), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_sent_at'), ['sent_at'], unique=False)

    op.create_table('processed_events',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_processed_events'))
    )
    op.create_table('purchase_plans',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('merchant_id', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_purchase_plans'))
    )
    with op.batch_alter_table('purchase_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_plans_merchant_id'), ['merchant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('purchase_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_plans_merchant_id'))

    op.drop_table('purchase_plans')
    op.drop_table('processed_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_sent_at'))

    op.drop_table('outbox')
    op.drop_table('merchant_platforms')
    op.drop_table('merchant_days')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_merchant_id'))

    op.drop_table('assessments')
    op.drop_table('account_flow_days')
