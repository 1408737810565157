"""Scoring service settings (environment prefix SCORING_)."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from ruralcredit_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Scoring service configuration; policy and pricing figures a bank sets for itself."""

    model_config = SettingsConfigDict(env_prefix="SCORING_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/scoring.db"
    consumer_group: str = "scoring"
    http_port: int = 8003
    registry_dir: str = "var/models"
    challenger_version: str | None = None
    # Pricing (fractions: 0.03 = 3%).
    benchmark_rate: Decimal = Field(default=Decimal("0.0300"), ge=0, le=Decimal("0.2"))
    funding_cost: Decimal = Field(default=Decimal("0.0050"), ge=0, le=Decimal("0.2"))
    operating_cost: Decimal = Field(default=Decimal("0.0050"), ge=0, le=Decimal("0.2"))
    margin: Decimal = Field(default=Decimal("0.0050"), ge=0, le=Decimal("0.2"))
    lgd: Decimal = Field(default=Decimal("0.60"), ge=Decimal("0.45"), le=Decimal("0.75"))
    rate_ceiling: Decimal = Field(default=Decimal("0.2400"), gt=0, le=Decimal("0.36"))
    schedule_mode: str = Field(default="fixed", pattern="^(fixed|share)$")
    max_batch_rows: int = Field(default=10000, ge=1, le=100000)
    # How often the portfolio figures (realised against predicted default, arrears, vintages) are
    # recomputed for Prometheus: outcomes move once a day; hourly, a restarted process soon has them.
    portfolio_refresh_seconds: float = Field(default=3600.0, ge=1, le=86_400)


    def command_registry(self) -> Path:
        """The registry the model commands use by default: SCORING_REGISTRY_DIR when it is set (the
        running suite's), else the user's own; never one that depends on where the command is run."""
        if "registry_dir" in self.model_fields_set:
            return Path(self.registry_dir).resolve()
        data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(data) / "ruralcredit" / "models"

    @field_validator("challenger_version")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None


@lru_cache
def get_settings() -> Settings:
    """The settings, read from the environment once."""
    return Settings()
