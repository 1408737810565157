"""loans, their instalments and repayments; keys of banks' core systems

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A plain column: adding a foreign key to an existing table would rebuild it on SQLite.
    op.add_column('api_keys', sa.Column('institution_id', sa.String(length=40), nullable=True))
    op.create_index('ix_api_keys_institution_id', 'api_keys', ['institution_id'])
    op.create_table(
        'loans',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('application_id', sa.String(length=40), nullable=False),
        sa.Column('merchant_id', sa.String(length=40), nullable=False),
        sa.Column('institution_id', sa.String(length=40), nullable=False),
        sa.Column('platform_id', sa.String(length=40), nullable=False),
        sa.Column('external_ref', sa.String(length=64), nullable=True),
        sa.Column('amount', MONEY, nullable=False),
        sa.Column('annual_rate', sa.Numeric(8, 6), nullable=False),
        sa.Column('term_days', sa.Integer(), nullable=False),
        sa.Column('disbursed_on', sa.Date(), nullable=False),
        sa.Column('disbursed_by', sa.String(length=60), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('default_after_days', sa.Integer(), nullable=False),
        sa.Column('days_past_due', sa.Integer(), nullable=False),
        sa.Column('max_days_past_due', sa.Integer(), nullable=False),
        sa.Column('arrears_checked_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('disbursed_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name='fk_loans_application_id_applications'),
        sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name='fk_loans_institution_id_institutions'),
        sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name='fk_loans_merchant_id_merchants'),
        sa.ForeignKeyConstraint(['platform_id'], ['platforms.id'], name='fk_loans_platform_id_platforms'),
        sa.PrimaryKeyConstraint('id', name='pk_loans'),
        sa.UniqueConstraint('application_id', name='uq_loans_application_id'),
        sa.UniqueConstraint('institution_id', 'external_ref', name='uq_loans_institution_id'),
    )
    op.create_index('ix_loans_merchant_id', 'loans', ['merchant_id'])
    op.create_index('ix_loans_platform_id', 'loans', ['platform_id'])
    op.create_index('ix_loans_inst_disbursed', 'loans', ['institution_id', 'disbursed_at', 'id'])
    op.create_index('ix_loans_status_checked', 'loans', ['status', 'arrears_checked_on'])
    op.create_table(
        'loan_instalments',
        sa.Column('loan_id', sa.String(length=40), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('principal', MONEY, nullable=False),
        sa.Column('interest', MONEY, nullable=False),
        sa.Column('principal_paid', MONEY, nullable=False),
        sa.Column('interest_paid', MONEY, nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name='fk_loan_instalments_loan_id_loans'),
        sa.PrimaryKeyConstraint('loan_id', 'seq', name='pk_loan_instalments'),
    )
    op.create_table(
        'repayments',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('tenant_id', sa.String(length=40), nullable=False),
        sa.Column('repayment_id', sa.String(length=64), nullable=False),
        sa.Column('loan_id', sa.String(length=40), nullable=False),
        sa.Column('paid_at', TS, nullable=False),
        sa.Column('amount', MONEY, nullable=False),
        sa.Column('interest', MONEY, nullable=False),
        sa.Column('principal', MONEY, nullable=False),
        sa.Column('unallocated', MONEY, nullable=False),
        sa.Column('payout_id', sa.String(length=64), nullable=True),
        sa.Column('recorded_by', sa.String(length=60), nullable=False),
        sa.Column('recorded_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name='fk_repayments_loan_id_loans'),
        sa.PrimaryKeyConstraint('id', name='pk_repayments'),
        sa.UniqueConstraint('source', 'tenant_id', 'repayment_id', name='uq_repayments_source'),
    )
    op.create_index('ix_repayments_loan_id', 'repayments', ['loan_id'])


def downgrade() -> None:
    op.drop_index('ix_repayments_loan_id', 'repayments')
    op.drop_table('repayments')
    op.drop_table('loan_instalments')
    for index in ('ix_loans_status_checked', 'ix_loans_inst_disbursed', 'ix_loans_platform_id', 'ix_loans_merchant_id'):
        op.drop_index(index, 'loans')
    op.drop_table('loans')
    op.drop_index('ix_api_keys_institution_id', 'api_keys')
    op.drop_column('api_keys', 'institution_id')
