"""The single entry point on hand-made series, and parity with the batch path the loan book uses."""

from datetime import date, timedelta

import numpy as np
import pytest

from ruralcredit_cashflow.domain.assess import assess, assess_batch
from ruralcredit_cashflow.domain.cashgap import PurchasePlan
from ruralcredit_cashflow.domain.features import FEATURE_NAMES
from ruralcredit_cashflow.domain.series import DailySeries, stack

AS_OF = date(2025, 3, 1)  # the next 45 days hold no festival


def flat(days=400, level=100.0, tail_zeros=0):
    g = np.full(days, level)
    if tail_zeros:
        g[-tail_zeros:] = 0.0
    return DailySeries.from_sales(AS_OF - timedelta(days=days - 1), g)


def test_coverage_matches_hand_computation():
    a = assess(flat(), amount=1000.0, term_days=30, annual_rate_guess=0.0, as_of=AS_OF)
    assert set(a.features) == set(FEATURE_NAMES)
    # declared 15-day lag, default fee 2%, no refunds: 98 a day for 30 days against 1000 due
    assert a.features["coverage_p50"] == pytest.approx(2.94, rel=1e-6)
    assert a.features["coverage_p10"] < a.features["coverage_p50"]
    assert len(a.dates) == 45 and a.dates[0] == AS_OF + timedelta(days=1)
    assert a.repayment_due == pytest.approx(1000.0)


def test_collections_are_sales_shifted_by_the_lag():
    a = assess(flat(tail_zeros=5), amount=1000.0, term_days=30, annual_rate_guess=0.05, as_of=AS_OF, settlement=15)
    c = a.collections.p50[0]
    np.testing.assert_allclose(c[:10], 98.0)
    np.testing.assert_allclose(c[10:15], 0.0)  # the five empty days before as_of
    assert (c[15:] > 0).all()


def test_purchase_plan_creates_a_cash_gap():
    plan = PurchasePlan(3_000.0, AS_OF + timedelta(days=1), AS_OF + timedelta(days=10))
    a = assess(flat(), amount=1000.0, term_days=30, annual_rate_guess=0.08, as_of=AS_OF, purchase_plan=plan)
    assert a.cash_gap.lowest_date == AS_OF + timedelta(days=10)
    assert a.cash_gap.working_capital == pytest.approx(3_000 - 10 * 98.0, rel=1e-6)
    assert a.features["cash_gap"] == a.cash_gap.working_capital
    assert a.cash_gap.repay_date == AS_OF + timedelta(days=31)  # 2020 / 98 a day ≈ 20.6 more days


def test_thirty_day_history_is_answered_not_refused():
    a = assess(flat(days=30), amount=2000.0, term_days=60, annual_rate_guess=0.1, as_of=AS_OF)
    assert a.features["history_days"] == 30 and np.isfinite(a.features["coverage_p10"])


def test_single_equals_batch_row():
    series = [flat(), flat(days=60, level=40.0), flat(tail_zeros=20)]
    b = assess_batch(stack(series, AS_OF), amount=[1000.0, 500.0, 800.0], term_days=[30, 60, 45], annual_rate_guess=0.1)
    for i, s in enumerate(series):
        a = assess(s, amount=[1000.0, 500.0, 800.0][i], term_days=[30, 60, 45][i], annual_rate_guess=0.1, as_of=AS_OF)
        for k in FEATURE_NAMES:
            assert a.features[k] == pytest.approx(float(b.features[k][i]), rel=1e-9, nan_ok=True), k


def test_rejects_nonsense():
    with pytest.raises(ValueError):
        assess(flat(), amount=0.0, term_days=30, annual_rate_guess=0.1, as_of=AS_OF)
    with pytest.raises(ValueError):
        assess(flat(), amount=100.0, term_days=30, annual_rate_guess=0.1, as_of=AS_OF - timedelta(days=500))


def _varied_requests(seed=3):
    """Merchants with different histories, terms, lags, account flows and plans: a poll's worth."""
    from ruralcredit_cashflow.domain.assess import Request
    from ruralcredit_cashflow.domain.cashgap import AccountFlows
    from ruralcredit_dev.simulator import simulate_merchants

    panel = simulate_merchants(12, start=AS_OF - timedelta(days=499), n_days=500, seed=seed)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(panel.n_merchants):
        first = int(np.argmax(~np.isnan(panel.gross[i])))
        h = DailySeries.from_sales(AS_OF - timedelta(days=499 - first), panel.gross[i, first:], panel.refunds[i, first:],
                                   panel.payouts[i, first:] if i % 3 else None)
        term = int(rng.choice([15, 30, 60, 90, 180]))
        flows = AccountFlows(np.full(400, 50.0 * i), np.full(400, 400.0 * (i % 4))) if i % 2 else None
        plan = PurchasePlan(30_000.0, AS_OF + timedelta(days=5), AS_OF + timedelta(days=25)) if i % 4 == 1 else None
        out.append(Request(h, AS_OF - timedelta(days=i % 2), float(rng.integers(2, 60)) * 1000, term, int(rng.choice([7, 15, 20])), flows, plan))
    return out


@pytest.mark.parametrize("model", ["profile", "gbm"])
def test_many_at_once_equals_each_alone(model, tmp_path):
    """The consumer assesses a poll's applications together; each must get what it would alone."""
    from ruralcredit_cashflow.domain.assess import assess_many
    from ruralcredit_cashflow.model.training import train_simulated

    forecaster = train_simulated(n_merchants=150, rounds=20) if model == "gbm" else None
    requests = _varied_requests()
    together = assess_many(requests, annual_rate_guess=0.08, forecaster=forecaster)
    assert len({len(a.dates) for a in together}) > 1, "the horizons should differ"
    gaps = 0
    for r, got in zip(requests, together, strict=True):
        alone = assess(r.history, amount=r.amount, term_days=r.term_days, annual_rate_guess=0.08, settlement=r.settlement_lag,
                       account_flows=r.account_flows, purchase_plan=r.purchase_plan, as_of=r.as_of, forecaster=forecaster)
        assert got.dates == alone.dates and got.cash_gap.lowest_date == alone.cash_gap.lowest_date
        assert got.cash_gap.repay_date == alone.cash_gap.repay_date
        np.testing.assert_allclose(got.collections.p10, alone.collections.p10, rtol=1e-9)
        np.testing.assert_allclose(got.sales.p90, alone.sales.p90, rtol=1e-9)
        np.testing.assert_allclose(got.cash_gap.position, alone.cash_gap.position, rtol=1e-9)
        for k in FEATURE_NAMES:
            assert got.features[k] == pytest.approx(alone.features[k], rel=1e-9, nan_ok=True), k
        assert got.term_collections == pytest.approx(alone.term_collections, rel=1e-9)
        gaps += got.features["cash_gap"] > 0
    assert gaps > 0, "some merchants should need working capital, or the cash gap is untested"
