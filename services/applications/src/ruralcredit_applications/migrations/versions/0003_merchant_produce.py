"""merchant produce

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 01:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('merchants', sa.Column('produce', sa.String(length=40), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place; a table rebuild would trip the foreign keys.
    op.drop_column('merchants', 'produce')
