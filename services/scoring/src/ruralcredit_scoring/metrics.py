"""Scoring metrics: the decision mix, PD distribution and drift of score and features."""

from __future__ import annotations

from typing import get_args

from prometheus_client import Counter, Gauge, Histogram

from ruralcredit_common.contracts.decisions import DecisionMade, Outcome
from ruralcredit_scoring.domain.config import DEFAULT_GRADE_BANDS
from ruralcredit_scoring.domain.grades import WORST_GRADE

DECISIONS = Counter("ruralcredit_decisions_total", "Decisions made", ["outcome", "grade", "model_version"])
PD = Histogram(
    "ruralcredit_decision_pd",
    "PD of decided applications",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0),
)
PSI = Gauge("ruralcredit_psi", "Population stability index against the training sample", ["variable"])


GRADES = (*(g for g, _ in DEFAULT_GRADE_BANDS), WORST_GRADE)
_started: set[str] = set()


def start_decisions(model_version: str) -> None:
    """Export every outcome and grade of a model version at 0, so that its first decisions count."""
    if model_version not in _started:
        _started.add(model_version)
        for outcome in get_args(Outcome):
            for grade in GRADES:
                DECISIONS.labels(outcome, grade, model_version)


def observe_decision(made: DecisionMade) -> None:
    """Count a decision and its PD."""
    # A version promoted while the process runs starts at its first decision: the others then count.
    start_decisions(made.model_version)
    DECISIONS.labels(made.outcome, made.grade, made.model_version).inc()
    PD.observe(made.pd)
