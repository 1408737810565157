"""Alembic environment of the scoring service."""

from alembic import context

from ruralcredit_common.db import run_migrations_online
from ruralcredit_scoring.orm import Base

run_migrations_online(context.config, Base.metadata)
