"""Limit sizing, term alignment and repayment schedules."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralcredit_scoring.domain import PolicyConfig
from ruralcredit_scoring.domain.limits import align_term, due_dates, fixed_schedule, share_schedule, size_limit

AS_OF = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("req", "lag", "term"),
    [(1, 15, 15), (15, 15, 15), (16, 15, 30), (40, 10, 40), (44, 7, 49), (500, 15, 360), (30, 0, 30)],
)
def test_term_is_whole_settlement_cycles(req, lag, term):
    assert align_term(req, lag) == term


def test_limit_takes_the_smallest_cap():
    cfg = PolicyConfig(collection_share=Decimal("0.5"), product_max=Decimal(200000))
    r = size_limit(daily_p10=[1000.0] * 90, term_days=60, requested=Decimal(100000), cfg=cfg)
    assert (r.limit, r.p10_collections, r.binding) == (Decimal("30000.00"), Decimal("60000.00"), "p10_collections")
    r = size_limit(daily_p10=[1000.0] * 90, term_days=60, requested=Decimal("12345.678"), cfg=cfg)
    assert (r.limit, r.binding) == (Decimal("12345.68"), "requested")
    r = size_limit(daily_p10=[10000.0] * 90, term_days=90, requested=Decimal(900000), cfg=cfg)
    assert (r.limit, r.binding) == (Decimal(200000), "product_max")
    r = size_limit(
        daily_p10=[10000.0] * 90, term_days=90, requested=Decimal(900000), existing_exposure=Decimal(250000), cfg=cfg
    )
    assert (r.limit, r.binding) == (Decimal("50000.00"), "exposure_cap")


def test_short_forecast_and_negative_days_count_as_nothing():
    r = size_limit(daily_p10=[-50.0, 100.0], term_days=30, requested=Decimal("1e6"))
    assert r.p10_collections == Decimal("100.00")


def test_due_dates_follow_payouts():
    payouts = [AS_OF + dt.timedelta(days=d) for d in (3, 17, 29, 33, 47)]
    assert due_dates(AS_OF, 45, 15, payouts) == [AS_OF + dt.timedelta(days=d) for d in (17, 33, 47)]
    assert due_dates(AS_OF, 45, 15) == [AS_OF + dt.timedelta(days=d) for d in (15, 30, 45)]


@settings(max_examples=60, deadline=None)
@given(
    principal=st.decimals(min_value=1000, max_value=200000, places=2),
    rate=st.decimals(min_value=0, max_value="0.24", places=4),
    cycles=st.integers(1, 12),
)
def test_fixed_schedule_repays_principal_exactly(principal, rate, cycles):
    dues = due_dates(AS_OF, 15 * cycles, 15)
    sched = fixed_schedule(principal, rate, AS_OF, dues)
    assert sum(i.principal for i in sched) == principal
    assert all(i.amount == i.principal + i.interest for i in sched)
    amounts = [i.amount for i in sched]
    assert max(amounts) - min(amounts) <= Decimal("0.05") * len(sched)  # equal but for rounding


def test_share_schedule_repays_and_follows_payouts():
    p50 = [500.0] * 30 + [2000.0] * 30
    dues = due_dates(AS_OF, 60, 15)
    sched, share = share_schedule(Decimal(20000), Decimal("0.06"), AS_OF, dues, p50)
    assert sum(i.principal for i in sched) == Decimal(20000)
    assert 0 < share < 1
    assert sched[0].amount < sched[-1].amount  # more is repaid when more money comes in


def test_limit_uses_the_forecasters_p10_of_the_term_total():
    from ruralcredit_scoring.domain.limits import term_p10_for

    daily = [100.0] * 120
    # The P10 of a 60-day total (9,000) is above the sum of the daily P10s (6,000) ...
    assert term_p10_for(60, 60, 9000.0, daily) == 9000.0
    # ... and a term aligned to 90 days keeps the same proportion.
    assert term_p10_for(90, 60, 9000.0, daily) == 13500.0
    assert term_p10_for(90, 60, None, daily) is None
    with_total = size_limit(daily_p10=daily, term_days=60, requested=Decimal(100000), term_p10=9000.0)
    without = size_limit(daily_p10=daily, term_days=60, requested=Decimal(100000))
    assert with_total.limit == Decimal("4500.00") and without.limit == Decimal("3000.00")
