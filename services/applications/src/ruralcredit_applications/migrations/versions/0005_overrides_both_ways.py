"""overrides both ways: reason code, direction, the model's outcome and the officer's terms

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('overrides', sa.Column('reason_code', sa.String(length=40), nullable=True))
    op.add_column('overrides', sa.Column('direction', sa.String(length=30), nullable=True))
    op.add_column('overrides', sa.Column('model_outcome', sa.String(length=10), nullable=True))
    op.add_column('overrides', sa.Column('grade', sa.String(length=2), nullable=True))
    op.add_column('overrides', sa.Column('amount', sa.Numeric(14, 2), nullable=True))
    op.add_column('overrides', sa.Column('term_days', sa.Integer(), nullable=True))
    # Until now only a referred application could be overridden, with free text only.
    op.execute("update overrides set direction = 'refer_to_' || outcome, reason_code = 'other'")


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place; a table rebuild would trip the foreign keys.
    for column in ('term_days', 'amount', 'grade', 'model_outcome', 'direction', 'reason_code'):
        op.drop_column('overrides', column)
