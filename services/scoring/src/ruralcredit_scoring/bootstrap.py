"""Wires the scoring service: settings, database, model registry, relay, consumer and HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from ruralcredit_common import http
from ruralcredit_common.errors import StartupError
from ruralcredit_common.runtime import Runtime
from ruralcredit_scoring import api, consumer, metrics, portfolio_monitor
from ruralcredit_scoring.engine import Engine
from ruralcredit_scoring.orm import Base
from ruralcredit_scoring.settings import Settings, get_settings

NAME = "scoring"
MIGRATIONS = "ruralcredit_scoring:migrations"


def make_app(runtime: Runtime[Settings]) -> FastAPI:
    """The HTTP API."""
    app = http.service_app(
        runtime, title="Rural credit: scoring",
        description="PD, grade, limit, risk-based price and reasons for merchants' applications.", routers=[api.router],
    )
    app.state.engine = runtime.state["engine"]
    return app


def ensure_model(runtime: Runtime[Settings]) -> None:
    """Make sure a model is promoted: the service never trains one itself (the embedded launcher
    trains one on a simulated book before it starts the service)."""
    from ruralcredit_scoring.model.registry import Registry

    settings = runtime.settings
    reg = Registry(settings.registry_dir)
    if not reg.promoted_version():
        raise StartupError(f"no promoted model in {settings.registry_dir} "
                           "(train one: ruralcredit scoring train --book BOOK --spec SPEC --promote)")
    print(f"  scoring model {reg.promoted_version()} is promoted")


def build(settings: Settings | None = None) -> Runtime[Settings]:
    """The service's runtime; a missing or corrupt promoted model fails here, with one line."""
    settings = settings or get_settings()
    runtime = Runtime.create(
        name=NAME,
        settings=settings,
        base=Base,
        migrations=MIGRATIONS,
        make_app=make_app,
        topics=consumer.TOPICS,
        prepare_hook=ensure_model,
        start_hook=attach_engine,
        jobs=[("portfolio", settings.portfolio_refresh_seconds, portfolio_monitor.refresh, ("all", "consumer"))],
    )
    return runtime


def attach_engine(runtime: Runtime[Settings]) -> Engine:
    """Load the promoted model and hook the consumer to it (not needed for `migrate`/`prepare`)."""
    scoring = Engine(runtime.settings)
    metrics.start_decisions(scoring.scorer.version)
    runtime.state["engine"] = scoring
    runtime.handler = consumer.make_handler(scoring)
    return scoring
