"""decision received_at

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('decisions', sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place; a table rebuild would trip the foreign keys.
    op.drop_column('decisions', 'received_at')
