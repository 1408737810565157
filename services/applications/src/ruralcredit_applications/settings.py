"""Applications service settings (environment prefix APPLICATIONS_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ruralcredit_applications.domain.overrides import ProductLimits
from ruralcredit_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Applications service configuration."""

    model_config = SettingsConfigDict(env_prefix="APPLICATIONS_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/applications.db"
    consumer_group: str = "applications"
    http_port: int = 8001
    max_batch_rows: int = Field(default=5000, ge=1, le=100_000)
    # Clocks of platforms drift; a sale a few minutes "in the future" is not an error.
    clock_skew_seconds: int = Field(default=300, ge=0, le=3600)
    cashflow_url: str = "http://127.0.0.1:8002"
    scoring_url: str = "http://127.0.0.1:8003"
    application_ttl_days: int = Field(default=30, ge=1, le=365)
    # An application with no decision this long after submission is referred to a loan officer.
    decision_deadline_seconds: float = Field(default=60.0, ge=1, le=86_400)
    deadline_check_seconds: float = Field(default=5.0, ge=0.1, le=600)
    # A loan this many days past due counts as defaulted (the definition is kept with each loan).
    default_days_past_due: int = Field(default=90, ge=1, le=720)
    # How often the days-past-due job looks for loans not yet counted today (each is counted once a day).
    arrears_check_seconds: float = Field(default=600.0, ge=0.1, le=86_400)
    # The loan product's bounds, the same as the scoring policy's: an officer's override stays within them.
    product_min_amount: Decimal = Field(default=Decimal("1000.00"), gt=0)
    product_max_amount: Decimal = Field(default=Decimal("200000.00"), gt=0)
    product_min_term_days: int = Field(default=15, ge=1, le=365)
    product_max_term_days: int = Field(default=360, ge=1, le=365)

    def product_limits(self) -> ProductLimits:
        """The product's bounds for overrides."""
        return ProductLimits(self.product_min_amount, self.product_max_amount, self.product_min_term_days, self.product_max_term_days)


@lru_cache
def get_settings() -> Settings:
    """The settings, read from the environment once."""
    return Settings()
