"""Applications metrics: how long officers wait for decisions, what the suite could not decide, and overrides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ruralcredit_applications.domain.overrides import DIRECTIONS
from ruralcredit_common.db import utcnow

# The promise is a decision within a second; the upper buckets show how far a bad hour strays.
SUBMIT_TO_DECISION = Histogram(
    "ruralcredit_submit_to_decision_seconds", "From an application's submission to its decision stored",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
REFERRED_UNDECIDED = Counter(
    "ruralcredit_referred_undecided_total",
    "Applications referred to a loan officer because they could not be decided automatically, by failing stage",
    ["stage"],
)
# Stages start at zero, so that the first referral is an increase Prometheus can see.
STAGES = ("cashflow", "scoring", "applications", "deadline")
for _stage in STAGES:
    REFERRED_UNDECIDED.labels(_stage)


OVERRIDES = Counter(
    "ruralcredit_overrides_total",
    "Officers' overrides of the model's decision, by direction (e.g. decline_to_approve) and the model's grade",
    ["direction", "grade"],
)
# "none": an application referred before the model graded it.
GRADES = ("A", "B", "C", "D", "E", "none")
for _direction in DIRECTIONS:
    for _grade in GRADES:
        OVERRIDES.labels(_direction, _grade)


def overridden(direction: str, grade: str | None) -> None:
    """Count one override; divided by ruralcredit_decisions_total it is the override rate."""
    OVERRIDES.labels(direction, grade or "none").inc()


def observe_decided(submitted_at: dt.datetime, recorded_at: dt.datetime | None) -> None:
    """Count one decision stored, with how long its officer waited."""
    SUBMIT_TO_DECISION.observe(max(0.0, ((recorded_at or utcnow()) - submitted_at).total_seconds()))


def referred_undecided(stage: str) -> None:
    """Count one application referred because a stage could not decide it."""
    REFERRED_UNDECIDED.labels(stage).inc()


class UndecidedAge(Collector):
    """Age of the oldest application awaiting a decision, read from the database at each scrape.

    Read at scrape time, by any process that serves /metrics, so it holds even when every
    consumer is down, which is when it matters.
    """

    def __init__(self) -> None:
        self.oldest: Callable[[], dt.datetime | None] | None = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The gauge's name and help, without reading the database."""
        yield self._family()

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily("ruralcredit_undecided_oldest_seconds", "Age of the oldest application awaiting a decision")

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One gauge: seconds since the oldest undecided submission (0 when none waits)."""
        family = self._family()
        if self.oldest is None:
            return
        try:
            oldest = self.oldest()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is away
            return
        family.add_metric([], 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds()))
        yield family


_UNDECIDED_AGE = UndecidedAge()
REGISTRY.register(_UNDECIDED_AGE)


def register_undecided_age(oldest: Callable[[], dt.datetime | None]) -> None:
    """Export the oldest undecided age, read with `oldest`, from this process."""
    _UNDECIDED_AGE.oldest = oldest
