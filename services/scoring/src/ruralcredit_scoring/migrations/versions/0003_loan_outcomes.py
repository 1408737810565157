"""loan outcomes beside their decisions, and arrears history

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        'loan_outcomes',
        sa.Column('loan_id', sa.String(length=40), nullable=False),
        sa.Column('application_id', sa.String(length=40), nullable=False),
        sa.Column('merchant_id', sa.String(length=40), nullable=False),
        sa.Column('institution_id', sa.String(length=40), nullable=False),
        sa.Column('amount', MONEY, nullable=False),
        sa.Column('annual_rate', sa.Numeric(8, 6), nullable=False),
        sa.Column('term_days', sa.Integer(), nullable=False),
        sa.Column('disbursed_on', sa.Date(), nullable=False),
        sa.Column('maturity_on', sa.Date(), nullable=False),
        sa.Column('default_after_days', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=2), nullable=True),
        sa.Column('pd', sa.Double(), nullable=True),
        sa.Column('model_version', sa.String(length=60), nullable=True),
        sa.Column('model_outcome', sa.String(length=10), nullable=True),
        sa.Column('overridden', sa.Boolean(), nullable=False),
        sa.Column('features', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('days_past_due', sa.Integer(), nullable=False),
        sa.Column('max_days_past_due', sa.Integer(), nullable=False),
        sa.Column('total_paid', MONEY, nullable=False),
        sa.Column('outstanding_principal', MONEY, nullable=False),
        sa.Column('defaulted_on', sa.Date(), nullable=True),
        sa.Column('repaid_on', sa.Date(), nullable=True),
        sa.Column('written_off_on', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('loan_id', name='pk_loan_outcomes'),
    )
    op.create_index('ix_loan_outcomes_application_id', 'loan_outcomes', ['application_id'])
    op.create_index('ix_loan_outcomes_merchant_id', 'loan_outcomes', ['merchant_id'])
    op.create_index('ix_loan_outcomes_disbursed_on', 'loan_outcomes', ['disbursed_on'])
    op.create_table(
        'loan_arrears',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('loan_id', sa.String(length=40), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('bucket', sa.String(length=8), nullable=False),
        sa.Column('days_past_due', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_loan_arrears'),
    )
    op.create_index('ix_loan_arrears_loan_id', 'loan_arrears', ['loan_id'])


def downgrade() -> None:
    op.drop_index('ix_loan_arrears_loan_id', 'loan_arrears')
    op.drop_table('loan_arrears')
    for index in ('ix_loan_outcomes_disbursed_on', 'ix_loan_outcomes_merchant_id', 'ix_loan_outcomes_application_id'):
        op.drop_index(index, 'loan_outcomes')
    op.drop_table('loan_outcomes')
