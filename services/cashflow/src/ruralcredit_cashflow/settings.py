"""Cashflow service settings (environment prefix CASHFLOW_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from ruralcredit_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Cashflow service configuration."""

    model_config = SettingsConfigDict(env_prefix="CASHFLOW_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/cashflow.db"
    consumer_group: str = "cashflow"
    http_port: int = 8002
    default_settlement_lag_days: int = Field(default=15, ge=0, le=120)
    max_history_days: int = Field(default=730, ge=60, le=3660)
    # The global LightGBM forecaster (the backtest's winner); without it, the seasonal profile.
    forecast_model_path: str | None = None
    forecast_train_merchants: int = Field(default=5000, ge=100, le=100_000)

    @field_validator("forecast_model_path")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None
    # The rate assumed when sizing the repayment for coverage features, before scoring prices it.
    assumed_annual_rate: float = Field(default=0.08, ge=0, le=0.36)


@lru_cache
def get_settings() -> Settings:
    """The settings, read from the environment once."""
    return Settings()
