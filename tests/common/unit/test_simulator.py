"""The merchant simulator: seeded, fast, with the seasonality, settlement and loan mechanism it documents."""

import time
from datetime import date

import numpy as np

from ruralcredit_common import calendar as cal
from ruralcredit_dev.simulator import loan_outcomes, simulate_merchants


def test_same_seed_same_panel_other_seed_other_panel():
    a = simulate_merchants(50, n_days=200, seed=3)
    b = simulate_merchants(50, n_days=200, seed=3)
    c = simulate_merchants(50, n_days=200, seed=4)
    for k in ("gross", "refunds", "payouts"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    assert not np.array_equal(np.nan_to_num(a.gross), np.nan_to_num(c.gross))


def test_late_joiners_have_no_data_before_their_first_day():
    p = simulate_merchants(300, n_days=400, seed=1)
    for i in np.nonzero(p.params.first_day > 0)[0][:20]:
        assert np.isnan(p.gross[i, : p.params.first_day[i]]).all()
        assert np.isfinite(p.gross[i, p.params.first_day[i] :]).all()


def test_payouts_follow_sales_after_the_lag_net_of_fees_and_refunds():
    p = simulate_merchants(400, n_days=500, seed=2)
    s = p.settlement
    i = int(np.argmax((s.regularity > 0.9) & (p.params.first_day == 0)))
    lag = s.lag[i]
    paid = np.nansum(p.payouts[i, 100 + lag : 400 + lag])
    sold = np.nansum(p.gross[i, 100:400])
    assert abs(paid / sold - (1 - s.fee_rate[i] - s.refund_rate[i])) < 0.03
    corr = [np.corrcoef(p.gross[i, 100:400], p.payouts[i, 100 + k : 400 + k])[0, 1] for k in range(0, 25)]
    assert int(np.argmax(corr)) == lag


def test_eleven_eleven_spike_is_several_times_normal():
    p = simulate_merchants(2000, start=date(2024, 1, 1), n_days=400, seed=5)
    d = (date(2024, 11, 11) - date(2024, 1, 1)).days
    normal = np.nanmean(p.gross[:, d - 30 : d - 20])
    assert np.nanmean(p.gross[:, d]) / normal > 2.5
    sf = (cal.spring_festival(2024) - date(2024, 1, 1)).days
    assert np.nanmean(p.gross[:, sf : sf + 5]) < np.nanmean(p.gross[:, sf - 15 : sf - 10])


def test_ten_thousand_merchants_two_years_in_seconds():
    t = time.perf_counter()
    p = simulate_merchants(10_000, n_days=730, seed=0)
    assert p.gross.shape == (10_000, 730)
    assert time.perf_counter() - t < 15


def test_loan_outcome_pd_rises_with_amount_and_matches_default_rate():
    p = simulate_merchants(3000, n_days=600, seed=7)
    rows = np.arange(3000)
    app = np.clip(p.params.first_day + 60, 400, 500)
    term = np.full(3000, 60)
    recent = p.gross[rows[:, None], app[:, None] - np.arange(60)]
    base = np.nan_to_num(recent).sum(axis=1) / np.maximum(np.isfinite(recent).sum(axis=1), 1) * 6 + 500
    hist = (app - p.params.first_day).astype(float)
    small = loan_outcomes(p, rows, app, base, term, np.full(3000, 0.1), hist, np.random.default_rng(1))
    big = loan_outcomes(p, rows, app, base * 4, term, np.full(3000, 0.1), hist, np.random.default_rng(1))
    assert (big.true_pd >= small.true_pd - 1e-12).all() and big.true_pd.mean() > small.true_pd.mean()
    assert ((0 < small.true_pd) & (small.true_pd <= 1)).all()
    assert abs(big.defaulted.mean() - big.true_pd.mean()) < 0.03
