"""The newest migration of each service steps down and up again with data in the tables."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from ruralcredit_common import db


def _config(url: str, script_location: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


@pytest.mark.parametrize(
    ("service", "script_location", "seed"),
    [
        ("applications", "ruralcredit_applications:migrations", [
            "insert into platforms (id, name, settlement_lag_days, fee_rate, created_at) values ('plt_1', 'P', 15, 0.02, '2026-01-01')",
            "insert into merchants (id, platform_id, external_ref, name, county, category, onboarded_on, created_at, produce)"
            " values ('mer_1', 'plt_1', 'r', 'n', 'c', 'fruit', '2024-01-01', '2026-01-01', 'mango')",
            # A row that refers to the merchant: a table rebuild would have to keep it valid.
            "insert into account_flow_days (merchant_id, day, inflow, outflow, source, reported_by, reported_at)"
            " values ('mer_1', '2026-01-01', 10, 5, 'officer', 'off_1', '2026-01-02')",
        ]),
        ("cashflow", "ruralcredit_cashflow:migrations", [
            "insert into merchant_platforms (merchant_id, platform_id, settlement_lag_days, fee_rate, produce)"
            " values ('mer_1', 'plt_1', 15, 0.02, 'mango')",
        ]),
        ("scoring", "ruralcredit_scoring:migrations", [
            "insert into decisions (application_id, merchant_id, outcome, pd, grade, model_version, payload, decided_at) values"
            " ('app_1', 'mer_1', 'approve', 0.01, 'A', 'v1',"
            " '{\"limit\": \"20000.00\", \"term_days\": 60, \"decided_at\": \"2026-06-01T00:00:00+00:00\"}', '2026-06-01')",
        ]),
    ],
)
def test_newest_migration_steps_down_and_up_with_data(database_url_factory, service, script_location, seed):
    url = database_url_factory(f"{service}_steps")
    db.migrate(url, script_location)
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in seed:
            conn.execute(text(statement))
    cfg = _config(url, script_location)
    command.downgrade(cfg, "-1")
    command.upgrade(cfg, "head")
    table = {"applications": "merchants", "cashflow": "merchant_platforms", "scoring": "decisions"}[service]
    with engine.connect() as conn:
        assert conn.execute(text(f"select count(*) from {table}")).scalar() == 1
    engine.dispose()


def test_exposure_of_decisions_made_before_the_upgrade_is_filled_in(database_url_factory):
    import datetime as dt
    from decimal import Decimal

    from ruralcredit_scoring.engine import existing_exposure
    from ruralcredit_scoring.orm import DecisionRecord

    url = database_url_factory("scoring_exposure")
    cfg = _config(url, "ruralcredit_scoring:migrations")
    command.upgrade(cfg, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "insert into decisions (application_id, merchant_id, outcome, pd, grade, model_version, payload, decided_at) values"
            " ('app_1', 'mer_1', 'approve', 0.01, 'A', 'v1',"
            " '{\"limit\": \"20000.00\", \"term_days\": 60, \"decided_at\": \"2026-06-01T00:00:00+00:00\"}', '2026-06-01')"))
    command.upgrade(cfg, "head")
    factory = db.session_factory(db.create_db_engine(url))
    with factory() as s:
        assert s.get(DecisionRecord, "app_1").limit == Decimal("20000.00")
        assert existing_exposure(s, "mer_1", dt.datetime(2026, 7, 30, 23, 0, tzinfo=dt.UTC)) == Decimal("20000.00")
        assert existing_exposure(s, "mer_1", dt.datetime(2026, 7, 31, 0, 1, tzinfo=dt.UTC)) == Decimal("0.00")
    engine.dispose()
