"""Portfolio figures against a hand computation: outcome labels, realised against predicted default by
grade with its binomial interval, vintage curves, roll rates, arrears buckets and override outcomes."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from ruralcredit_scoring.domain import portfolio as pf

D = dt.date


def loan(n: int, grade: str = "A", pd: float = 0.05, on: dt.date = D(2026, 1, 5), **kw) -> pf.Loan:
    facts = {"loan_id": f"l{n}", "disbursed_on": on, "maturity_on": on + dt.timedelta(days=60), "default_after_days": 90,
             "grade": grade, "pd": pd, "status": "repaid", "repaid_on": on + dt.timedelta(days=60)}
    facts.update(kw)
    return pf.Loan(**facts)


def bad(n: int, grade: str = "A", pd: float = 0.05, on: dt.date = D(2026, 1, 5), when: dt.date = D(2026, 5, 1), **kw) -> pf.Loan:
    return loan(n, grade, pd, on, status="defaulted", repaid_on=None, defaulted_on=when, **kw)


def test_outcome_labels_follow_the_loan_or_the_window():
    as_of = D(2026, 12, 1)
    assert pf.outcome(loan(1), as_of) == pf.REPAID
    assert pf.outcome(bad(1, when=D(2026, 6, 4)), as_of) == pf.DEFAULTED, "maturity 6 March and 90 days"
    # Repaid early, but judged only when the loans disbursed with it can no longer default unseen.
    assert pf.outcome(loan(1, repaid_on=D(2026, 2, 1)), D(2026, 6, 3)) == pf.OPEN
    assert pf.outcome(loan(1, repaid_on=D(2026, 2, 1)), D(2026, 6, 4)) == pf.REPAID
    running = loan(1, on=D(2026, 11, 1), status="current", repaid_on=None)
    assert pf.outcome(running, as_of) == pf.OPEN
    # Maturity 31 December + 90 days: known only from 31 March.
    assert pf.outcome(running, D(2027, 3, 31)) == pf.PERFORMING
    # A 120-day window: the 1 July default (177 days in) is outside it, so the loan counts as good.
    assert pf.outcome(bad(1, when=D(2026, 7, 1)), as_of, window_days=120) == pf.PERFORMING
    assert pf.outcome(bad(1, when=D(2026, 3, 1)), as_of, window_days=120) == pf.DEFAULTED
    written_off = loan(1, status="written_off", repaid_on=None, written_off_on=D(2026, 6, 1))
    assert pf.outcome(written_off, as_of) == pf.DEFAULTED
    # Judged at an earlier day, a default or repayment that came later has not happened yet.
    assert pf.outcome(bad(1, when=D(2026, 5, 1)), D(2026, 4, 30)) == pf.OPEN
    assert pf.outcome(loan(1), D(2026, 3, 1)) == pf.OPEN


def _binomial_quantile(n: int, p: float, q: float) -> int:
    cdf = 0.0
    for k in range(n + 1):
        cdf += math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if cdf >= q:
            return k
    return n


def test_binomial_interval_by_hand():
    # Binomial(40, 0.05): P(X=0) = 0.95^40 = 0.129 > 2.5%, so the low end is 0; P(X<=4) = 0.952 and
    # P(X<=5) = 0.986, so the high end is 5 defaults, 12.5%.
    assert pf.binomial_interval(40, 0.05) == (0.0, 0.125)
    # Binomial(30, 0.10): P(X<=6) = 0.974 and P(X<=7) = 0.992: the high end is 7 of 30.
    assert pf.binomial_interval(30, 0.10) == (0.0, pytest.approx(7 / 30))
    for n, p in ((200, 0.08), (1000, 0.03), (57, 0.31)):
        assert pf.binomial_interval(n, p) == (_binomial_quantile(n, p, 0.025) / n, _binomial_quantile(n, p, 0.975) / n)


def test_realised_against_predicted_by_grade():
    book = [loan(i) for i in range(38)] + [bad(38), bad(39)]              # A: 2 of 40 at PD 5%
    book += [loan(100 + i, "C", 0.10) for i in range(20)] + [bad(200 + i, "C", 0.10) for i in range(10)]  # C: 10 of 30 at 10%
    book += [bad(300, "E", 0.4)] * 3                                       # E: too few to say anything
    book += [loan(400, "B", on=D(2026, 11, 20), status="current", repaid_on=None)]  # open: left out
    figures = {g.grade: g for g in pf.by_grade(book, D(2026, 12, 1))}
    assert set(figures) == {"A", "C", "E"}
    a, c, e = figures["A"], figures["C"], figures["E"]
    assert (a.loans, a.defaults, a.realised, a.predicted) == (40, 2, 0.05, pytest.approx(0.05))
    assert (a.low, a.high, a.outside) == (0.0, 0.125, False)
    assert (c.loans, c.defaults, c.realised) == (30, 10, pytest.approx(1 / 3))
    assert c.high == pytest.approx(7 / 30) and c.outside, "a third defaulted where at most 7 of 30 were expected"
    assert e.realised == 1.0 and not e.outside, "three loans are too few to raise an alarm"


def test_vintage_curves_by_hand():
    cohort = [bad(1, on=D(2026, 1, 5), when=D(2026, 2, 10)), bad(2, on=D(2026, 1, 20), when=D(2026, 4, 3)), loan(3), loan(4)]
    later = [bad(5, on=D(2026, 3, 1), when=D(2026, 3, 30)), loan(6, on=D(2026, 3, 2))]
    curves = pf.vintages(cohort + later, D(2026, 5, 15))
    assert curves["2026-01"] == [0.0, 0.25, 0.25, 0.5, 0.5]
    assert curves["2026-03"] == [0.5, 0.5, 0.5]


def test_roll_rates_by_hand():
    x = bad(1, on=D(2026, 1, 5), when=D(2026, 4, 28), arrears=((D(2026, 2, 20), "1-29"), (D(2026, 3, 25), "30-59")))
    y = loan(2, on=D(2026, 1, 10), repaid_on=D(2026, 3, 20), arrears=((D(2026, 2, 15), "1-29"), (D(2026, 3, 5), "current")))
    rates = pf.roll_rates([x, y], D(2026, 5, 10))
    # Month ends 31 Jan, 28 Feb, 31 Mar, 30 Apr: x current, 1-29, 30-59, default; y current, 1-29, repaid.
    assert rates.share("current", "1-29") == 1.0 and rates.worse("current") == 1.0
    assert rates.share("1-29", "30-59") == 0.5 and rates.share("1-29", "repaid") == 0.5
    assert rates.worse("1-29") == 0.5
    assert rates.share("30-59", "default") == 1.0
    assert rates.worse("60-89") == 0.0


def test_arrears_buckets_and_override_outcomes():
    open_loans = [loan(1, status="current", repaid_on=None, outstanding=Decimal("100.00")),
                  loan(2, status="in_arrears", repaid_on=None, days_past_due=45, outstanding=Decimal("50.00")),
                  loan(3)]
    buckets = pf.arrears_buckets(open_loans)
    assert buckets["current"] == (1, Decimal("100.00")) and buckets["30-59"] == (1, Decimal("50.00"))
    assert buckets["90+"] == (0, Decimal("0.00"))
    book = [loan(1), loan(2), bad(3),
            loan(4, pd=0.2, overridden=True, model_outcome="refer"), bad(5, pd=0.2, overridden=True, model_outcome="refer"),
            bad(6, pd=0.4, overridden=True, model_outcome="decline")]
    figures = {f.kind: f for f in pf.override_outcomes(book, D(2026, 12, 1))}
    assert (figures["model"].loans, figures["model"].defaults) == (3, 1)
    assert (figures["refer"].loans, figures["refer"].realised, figures["refer"].predicted) == (2, 0.5, pytest.approx(0.2))
    assert (figures["decline"].loans, figures["decline"].realised) == (1, 1.0)
