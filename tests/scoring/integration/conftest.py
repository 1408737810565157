"""A migrated scoring database for the tests that apply events to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ruralcredit_common import db


@pytest.fixture
def factory(database_url_factory) -> Iterator:
    """Sessions on a fresh scoring database brought to its newest migration."""
    url = database_url_factory("scoring_outcomes")
    db.migrate(url, "ruralcredit_scoring:migrations")
    engine = db.create_db_engine(url)
    yield db.session_factory(engine)
    engine.dispose()
