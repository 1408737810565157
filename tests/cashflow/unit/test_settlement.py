"""Collections are sales shifted by the settlement lag, net of refunds and fees; profiles are learnt."""

from datetime import date

import numpy as np
import pytest

from ruralcredit_cashflow.domain import settlement as st
from ruralcredit_cashflow.domain.series import DailySeries, stack
from ruralcredit_cashflow.model.training import cut
from ruralcredit_dev.simulator import simulate_merchants


def test_declared_lag_shifts_collections_and_nets_fees_and_refunds():
    prof = st.declared(1, lag=15, fee_rate=0.02, refund_rate=0.05)
    past = np.full((1, 60), 100.0)
    past[0, -4] = 1000.0  # a big day three days before as_of (past[-1] is as_of)
    future = np.full((1, 30), 200.0)
    c = st.collections_from_sales(past, future, prof)[0]
    np.testing.assert_allclose(c[:11], 93.0)  # sales already made, paid 15 days later, 7% off
    assert c[11] == pytest.approx(930.0)  # the big day lands on day 15 − 3 = 12
    np.testing.assert_allclose(c[15:], 186.0)  # forecast sales from day 16 on


def test_learns_lag_fee_and_refund_from_payouts():
    p = simulate_merchants(300, start=date(2023, 1, 1), n_days=400, seed=4)
    ok = (p.params.first_day == 0) & (p.settlement.regularity > 0.85)
    rows = np.nonzero(ok)[0]
    w = cut(p, rows, np.full(len(rows), 399), horizon=0)
    prof = st.learn(w.batch)
    assert prof.learnt.all()
    assert (prof.lag_pmf.argmax(axis=1) == p.settlement.lag[rows]).mean() > 0.9
    assert np.median(np.abs(prof.fee_rate - p.settlement.fee_rate[rows])) < 0.015
    assert np.median(np.abs(prof.refund_rate - p.settlement.refund_rate[rows])) < 0.01


def test_falls_back_to_declared_lag_without_payouts():
    s = DailySeries.from_sales(date(2025, 1, 1), np.full(100, 10.0))
    prof = st.learn(stack([s], s.end), declared_lag=7)
    assert not prof.learnt[0] and prof.lag_pmf[0].argmax() == 7 and np.isnan(prof.regularity[0])
    with pytest.raises(ValueError):
        st.declared(1, lag=90)
