"""merchant produce

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('merchant_platforms', sa.Column('produce', sa.String(length=40), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place; a table rebuild would trip the foreign keys.
    op.drop_column('merchant_platforms', 'produce')
