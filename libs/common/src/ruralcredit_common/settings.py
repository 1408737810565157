"""Settings shared by every service, read once from the environment at start."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service needs: its database, the broker, its HTTP port and logging."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/service.db"
    kafka_bootstrap: str = "127.0.0.1:19092"
    # Lets several environments (or test runs) share one cluster without seeing each other.
    topic_prefix: str = Field(default="", max_length=60, pattern=r"^[A-Za-z0-9._-]*$")
    topic_partitions: int = Field(default=6, ge=1, le=1024)
    consumer_group: str = "service"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "INFO"
    # A consumer that waits up to 500 ms for a fetch (kafka-python's default) would add half
    # a second to each of the three hops of a decision.
    fetch_max_wait_ms: int = Field(default=20, ge=1, le=1000)
    # Consumer-only and relay-only processes serve no HTTP; this port gives them /metrics.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # How often an idle outbox relay looks for new rows when no commit in its own process woke it.
    relay_poll_seconds: float = Field(default=0.05, ge=0.005, le=5)
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    # How long a consumer remembers the id of an event it applied (processed_events), so that
    # the event delivered again is skipped. An id forgotten while its event can still be read
    # again would be applied twice, so this must stay longer than anything a consumer can
    # re-read: the topics' retention (7 days) after a group's offsets are moved back, and the
    # dead-letter topics' (30 days), which the applications service consumes.
    processed_events_keep_days: int = Field(default=35, ge=1, le=3650)
    admin_api_key: str = Field(default="admin-dev-key", min_length=8, repr=False)
    # The key the suite's own services use to call each other's internal APIs.
    service_api_key: str = Field(default="service-dev-key", min_length=8, repr=False)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("log_level must be DEBUG, INFO, WARNING or ERROR")
        return value
