"""Wires the applications service: settings, database, relay, consumer and HTTP app."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import FastAPI

from ruralcredit_applications import consumer, loans, metrics, origination
from ruralcredit_applications.api import admin, evidence, insight, officer, platform
from ruralcredit_applications.api import loans as loan_routes
from ruralcredit_applications.orm import Base
from ruralcredit_applications.settings import Settings, get_settings
from ruralcredit_common import http
from ruralcredit_common.db import transaction
from ruralcredit_common.runtime import Runtime

log = logging.getLogger(__name__)

NAME = "applications"
MIGRATIONS = "ruralcredit_applications:migrations"


def make_app(runtime: Runtime[Settings]) -> FastAPI:
    """The HTTP API."""
    metrics.register_undecided_age(lambda: _oldest_undecided(runtime))
    return http.service_app(
        runtime, title="Rural credit: applications",
        description="Platforms push merchants' sales; loan officers submit applications and read decisions.",
        routers=[m.router for m in (admin, platform, officer, evidence, insight, loan_routes)],
    )


def _oldest_undecided(runtime: Runtime[Settings]) -> dt.datetime | None:
    with runtime.factory() as session:
        return origination.oldest_undecided(session)


def refer_overdue(runtime: Runtime[Settings], deadline: dt.timedelta | None = None) -> None:
    """Refer applications that passed the decision deadline (the configured one by default) to a loan officer."""
    deadline = deadline or dt.timedelta(seconds=runtime.settings.decision_deadline_seconds)
    with transaction(runtime.factory) as session:
        n = origination.refer_overdue(session, deadline)
    for _ in range(n):
        metrics.referred_undecided("deadline")
    if n:
        log.warning("referred %d application(s) with no decision after %.0f s", n, deadline.total_seconds())


def count_arrears(runtime: Runtime[Settings], as_of: dt.date | None = None) -> int:
    """The daily days-past-due count of every open loan (today's business day by default); returns how many were counted."""
    day = as_of or loans.today()
    total = 0
    while True:
        with transaction(runtime.factory) as session:
            n = loans.refresh_arrears(session, day)
        if n:
            runtime.relay.wake()
        total += n
        if n == 0:
            return total


def build(settings: Settings | None = None) -> Runtime[Settings]:
    """The service's runtime from settings (read from the environment by default)."""
    settings = settings or get_settings()
    return Runtime.create(
        name=NAME, settings=settings, base=Base,
        migrations=MIGRATIONS, make_app=make_app, topics=consumer.TOPICS, handler=consumer.handle,
        jobs=[("decision-deadline", settings.deadline_check_seconds, refer_overdue, ("all", "consumer")),
              ("days-past-due", settings.arrears_check_seconds, count_arrears, ("all", "consumer"))],
    )
