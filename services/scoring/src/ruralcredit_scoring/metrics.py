"""Scoring metrics: the decision mix, PD distribution and drift of score and features."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from ruralcredit_common.contracts.decisions import DecisionMade

DECISIONS = Counter("ruralcredit_decisions_total", "Decisions made", ["outcome", "grade", "model_version"])
PD = Histogram(
    "ruralcredit_decision_pd",
    "PD of decided applications",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0),
)
PSI = Gauge("ruralcredit_psi", "Population stability index against the training sample", ["variable"])


def observe_decision(made: DecisionMade) -> None:
    """Count a decision and its PD."""
    DECISIONS.labels(made.outcome, made.grade, made.model_version).inc()
    PD.observe(made.pd)
