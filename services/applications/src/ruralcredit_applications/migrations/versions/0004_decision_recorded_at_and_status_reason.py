"""decision recorded_at and application status_reason

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('decisions', sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('applications', sa.Column('status_reason', sa.String(length=300), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place; a table rebuild would trip the foreign keys.
    op.drop_column('applications', 'status_reason')
    op.drop_column('decisions', 'recorded_at')
