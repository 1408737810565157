"""Alembic environment of the applications service."""

from alembic import context

from ruralcredit_applications.orm import Base
from ruralcredit_common.db import run_migrations_online

run_migrations_online(context.config, Base.metadata)
