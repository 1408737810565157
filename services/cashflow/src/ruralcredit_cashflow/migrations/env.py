"""Alembic environment of the cashflow service."""

from alembic import context

from ruralcredit_cashflow.orm import Base
from ruralcredit_common.db import run_migrations_online

run_migrations_online(context.config, Base.metadata)
