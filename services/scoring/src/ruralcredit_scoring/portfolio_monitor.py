"""The portfolio as Prometheus sees it: realised against predicted default by grade with its interval,
arrears buckets, roll rates, vintages and override outcomes, refreshed by the daily job."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from prometheus_client import Gauge
from sqlalchemy.orm import Session

from ruralcredit_scoring import loan_book
from ruralcredit_scoring.domain import portfolio as pf

if TYPE_CHECKING:
    from ruralcredit_common.runtime import Runtime

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
# Vintages exported for the latest months of origination at these months on book.
VINTAGE_COHORTS, VINTAGE_MOBS = 12, (3, 6, 12)

DEFAULT_RATE = Gauge("ruralcredit_portfolio_default_rate", "Realised default rate of matured loans, by grade at decision", ["grade"])
PREDICTED = Gauge("ruralcredit_portfolio_predicted_default_rate", "Mean PD at decision of the same matured loans", ["grade"])
LOW = Gauge("ruralcredit_portfolio_default_rate_low", "Low end of the 95% binomial interval of the default rate the PDs predict", ["grade"])
HIGH = Gauge("ruralcredit_portfolio_default_rate_high", "High end of the 95% binomial interval of the default rate the PDs predict", ["grade"])
MATURED = Gauge("ruralcredit_portfolio_matured_loans", "Loans whose outcome is known, by grade at decision", ["grade"])
ARREARS = Gauge("ruralcredit_portfolio_arrears_loans", "Open loans by arrears bucket", ["bucket"])
ARREARS_YUAN = Gauge("ruralcredit_portfolio_arrears_outstanding_yuan", "Principal outstanding of open loans by arrears bucket", ["bucket"])
ROLL = Gauge("ruralcredit_portfolio_roll_rate", "Share of loans in a bucket at a month end that were in a worse one a month later", ["bucket"])
VINTAGE = Gauge("ruralcredit_portfolio_vintage_default_rate", "Cumulative default rate of a month's loans by months on book",
                ["cohort", "months_on_book"])
OVERRIDE = Gauge("ruralcredit_portfolio_override_default_rate", "Realised default rate of matured loans by who approved them",
                 ["approved_by"])
REFRESHED = Gauge("ruralcredit_portfolio_refreshed_timestamp_seconds", "When the portfolio figures were last computed")


@dataclass(frozen=True)
class Figures:
    """Everything the monitoring reports, computed once."""

    as_of: dt.date
    loans: list[pf.Loan]
    grades: list[pf.GradeFigures]
    vintages: dict[str, list[float]]
    arrears: dict[str, tuple[int, Decimal]]
    rolls: pf.RollRates
    overrides: list[pf.OverrideFigures]


def compute(session: Session, as_of: dt.date, *, institution: str | None = None, window_days: int | None = None) -> Figures:
    """The portfolio figures as of `as_of` from the outcomes kept in the scoring database."""
    loans = loan_book.facts(session, loan_book.load(session, institution))
    return Figures(as_of, loans, pf.by_grade(loans, as_of, window_days), pf.vintages(loans, as_of), pf.arrears_buckets(loans),
                   pf.roll_rates(loans, as_of), pf.override_outcomes(loans, as_of, window_days))


def export(figures: Figures) -> None:
    """Set the gauges to the figures (grades or cohorts no longer present are dropped)."""
    for gauge in (DEFAULT_RATE, PREDICTED, LOW, HIGH, MATURED, VINTAGE, OVERRIDE):
        gauge.clear()
    for g in figures.grades:
        DEFAULT_RATE.labels(g.grade).set(g.realised)
        PREDICTED.labels(g.grade).set(g.predicted)
        LOW.labels(g.grade).set(g.low)
        HIGH.labels(g.grade).set(g.high)
        MATURED.labels(g.grade).set(g.loans)
    for bucket, (n, amount) in figures.arrears.items():
        ARREARS.labels(bucket).set(n)
        ARREARS_YUAN.labels(bucket).set(float(amount))
        ROLL.labels(bucket).set(figures.rolls.worse(bucket))
    for cohort in sorted(figures.vintages)[-VINTAGE_COHORTS:]:
        curve = figures.vintages[cohort]
        for mob in VINTAGE_MOBS:
            if mob < len(curve):
                VINTAGE.labels(cohort, str(mob)).set(curve[mob])
    for o in figures.overrides:
        OVERRIDE.labels(o.kind).set(o.realised)
    REFRESHED.set(time.time())


def refresh(runtime: Runtime[Any]) -> None:
    """The daily job: recompute the figures as of today's business day and export them."""
    with runtime.factory() as session:
        export(compute(session, dt.datetime.now(BUSINESS_TZ).date()))
