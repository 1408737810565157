"""decision received_at, limit and exposure end

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:00:00
"""
import datetime as dt
import json

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('decisions', sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('decisions', sa.Column('limit', sa.Numeric(14, 2), nullable=True))
    op.add_column('decisions', sa.Column('exposure_ends_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_decisions_merchant_exposure', 'decisions', ['merchant_id', 'exposure_ends_at'])
    # Decisions made before this revision: the limit and term are in their payloads. Written
    # through typed columns, so timestamps are stored as the ORM stores them.
    decisions = sa.table('decisions', sa.column('application_id', sa.String), sa.column('limit', sa.Numeric(14, 2)),
                         sa.column('exposure_ends_at', sa.DateTime(timezone=True)))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT application_id, payload FROM decisions WHERE outcome = 'approve'")).all()
    for application_id, payload in rows:
        p = payload if isinstance(payload, dict) else json.loads(payload)
        ends = (dt.datetime.fromisoformat(p["decided_at"]) + dt.timedelta(days=int(p["term_days"]))).astimezone(dt.timezone.utc)
        conn.execute(decisions.update().where(decisions.c.application_id == application_id)
                     .values(limit=p["limit"], exposure_ends_at=ends))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place; a table rebuild would trip the foreign keys.
    op.drop_index('ix_decisions_merchant_exposure', 'decisions')
    op.drop_column('decisions', 'exposure_ends_at')
    op.drop_column('decisions', 'limit')
    op.drop_column('decisions', 'received_at')
