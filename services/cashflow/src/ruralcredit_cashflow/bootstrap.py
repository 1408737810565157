"""Wires the cashflow service: settings, database, relay, consumer and HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from ruralcredit_cashflow import api, consumer
from ruralcredit_cashflow.orm import Base
from ruralcredit_cashflow.settings import Settings, get_settings
from ruralcredit_common import db, http
from ruralcredit_common import logging as rc_logging
from ruralcredit_common.runtime import Runtime

NAME = "cashflow"
MIGRATIONS = "ruralcredit_cashflow:migrations"


def make_app(runtime: Runtime) -> FastAPI:
    """The HTTP API."""
    app = FastAPI(title="Rural credit: cashflow", version="1.0",
                  description="Forecasts of merchants' sales and platform collections.")
    app.state.runtime = runtime
    http.install(app, service=NAME, max_body_bytes=runtime.settings.max_body_bytes, ready=runtime.readiness)
    app.include_router(api.router)
    return app


def build(settings: Settings | None = None) -> Runtime:
    """The service's runtime from settings (read from the environment by default)."""
    settings = settings or get_settings()
    rc_logging.configure(NAME, settings.log_level)
    engine = db.create_db_engine(settings.database_url)
    return Runtime(
        name=NAME, settings=settings, engine=engine, factory=db.session_factory(engine), base=Base,
        migrations=MIGRATIONS, make_app=make_app, topics=consumer.TOPICS, handler=consumer.make_handler(settings),
    )
