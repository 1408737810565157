"""Wires the cashflow service: settings, database, relay, consumer and HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ruralcredit_cashflow import api, consumer
from ruralcredit_cashflow.assessment import forecaster
from ruralcredit_cashflow.model.training import train_simulated
from ruralcredit_cashflow.orm import Base
from ruralcredit_cashflow.settings import Settings, get_settings
from ruralcredit_common import http
from ruralcredit_common.errors import StartupError
from ruralcredit_common.runtime import Runtime

NAME = "cashflow"
MIGRATIONS = "ruralcredit_cashflow:migrations"


def make_app(runtime: Runtime[Settings]) -> FastAPI:
    """The HTTP API."""
    return http.service_app(
        runtime, title="Rural credit: cashflow",
        description="Forecasts of merchants' sales and platform collections.", routers=[api.router],
    )


def ensure_forecaster(runtime: Runtime[Settings]) -> None:
    """Train the global forecast model on simulated merchants when its configured file is missing."""
    path = runtime.settings.forecast_model_path
    if path is None:
        print("  cashflow forecasts with the seasonal profile (no CASHFLOW_FORECAST_MODEL_PATH)")
        return
    if Path(path).exists():
        load_forecaster_or_fail(runtime)
        print(f"  cashflow forecast model {path} loads")
        return
    n = runtime.settings.forecast_train_merchants
    print(f"  no forecast model at {path}: training the global model on {n} simulated merchants …", flush=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    train_simulated(path, n_merchants=n)
    print(f"  forecast model saved to {path}")


def load_forecaster_or_fail(runtime: Runtime[Settings]) -> None:
    """Load the configured forecaster now, so a missing or corrupt file stops the start with one line."""
    path = runtime.settings.forecast_model_path
    try:
        forecaster(path)
    except Exception as exc:  # noqa: BLE001 - any loading failure means the same thing here
        raise StartupError(f"forecast model {path} cannot be loaded: {type(exc).__name__}: {exc}") from None


def build(settings: Settings | None = None) -> Runtime[Settings]:
    """The service's runtime from settings (read from the environment by default)."""
    settings = settings or get_settings()
    return Runtime.create(
        name=NAME, settings=settings, base=Base,
        migrations=MIGRATIONS, make_app=make_app, topics=consumer.TOPICS, handler=consumer.make_handler(settings),
        prepare_hook=ensure_forecaster, start_hook=load_forecaster_or_fail,
    )
