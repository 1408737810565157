"""Seasonal cash gap on a hand example."""

from datetime import date

import numpy as np
import pytest

from ruralcredit_cashflow.domain.cashgap import AccountFlows, PurchasePlan, cash_gap

AS_OF = date(2025, 6, 30)


def test_purchase_before_collections_arrive():
    # 100/day collected; produce bought for 600 on days 2–4 (200/day)
    plan = PurchasePlan(600.0, date(2025, 7, 2), date(2025, 7, 4))
    gap = cash_gap(np.full(10, 100.0), AS_OF, plan=plan)
    np.testing.assert_allclose(gap.position[:7], [100, 0, -100, -200, -100, 0, 100])
    assert gap.lowest == pytest.approx(-200)
    assert gap.lowest_date == date(2025, 7, 4)
    assert gap.working_capital == pytest.approx(200)
    assert gap.repay_date == date(2025, 7, 6)


def test_account_flows_and_opening_balance():
    flows = AccountFlows(inflows=np.array([0.0, 50.0]), outflows=np.array([300.0]))
    gap = cash_gap(np.full(5, 100.0), AS_OF, flows=flows, opening_balance=50.0)
    np.testing.assert_allclose(gap.position, [-150, 0, 100, 200, 300])
    assert gap.working_capital == pytest.approx(150)
    assert gap.repay_date == date(2025, 7, 2)


def test_never_short_needs_nothing():
    gap = cash_gap(np.full(5, 10.0), AS_OF)
    assert gap.working_capital == 0 and gap.repay_date is None


def test_never_recovers_within_horizon():
    gap = cash_gap(np.zeros(5), AS_OF, plan=PurchasePlan(100.0, date(2025, 7, 1), date(2025, 7, 1)))
    assert gap.working_capital == pytest.approx(100) and gap.repay_date is None
