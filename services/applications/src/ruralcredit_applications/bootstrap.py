"""Wires the applications service: settings, database, relay, consumer and HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from ruralcredit_applications import consumer
from ruralcredit_applications.api import admin, evidence, insight, officer, platform
from ruralcredit_applications.orm import Base
from ruralcredit_applications.settings import Settings, get_settings
from ruralcredit_common import http
from ruralcredit_common.runtime import Runtime

NAME = "applications"
MIGRATIONS = "ruralcredit_applications:migrations"


def make_app(runtime: Runtime) -> FastAPI:
    """The HTTP API."""
    return http.service_app(
        runtime, title="Rural credit: applications",
        description="Platforms push merchants' sales; loan officers submit applications and read decisions.",
        routers=[m.router for m in (admin, platform, officer, evidence, insight)],
    )


def build(settings: Settings | None = None) -> Runtime:
    """The service's runtime from settings (read from the environment by default)."""
    settings = settings or get_settings()
    return Runtime.create(
        name=NAME, settings=settings, base=Base,
        migrations=MIGRATIONS, make_app=make_app, topics=consumer.TOPICS, handler=consumer.handle,
    )
