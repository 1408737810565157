"""Feature definitions on hand-made series with known answers."""

from datetime import date, timedelta

import numpy as np
import pytest

from ruralcredit_cashflow.domain.features import FEATURE_NAMES, FEATURES, history_features, repayment_due
from ruralcredit_cashflow.domain.series import DailySeries, stack

START = date(2024, 1, 1)


def feats(gross, refunds=None):
    s = DailySeries.from_sales(START, gross, refunds)
    return {k: float(v[0]) for k, v in history_features(stack([s], s.end)).items()}


def test_every_feature_has_a_unit_and_a_definition():
    assert set(FEATURE_NAMES) == set(FEATURES)
    assert all(unit and text for unit, text in FEATURES.values())


def test_flat_series():
    f = feats(np.full(400, 100.0), np.full(400, 5.0))
    assert f["history_days"] == 400
    assert f["sales_level"] == pytest.approx(100.0)
    assert f["growth"] == pytest.approx(0.0)
    assert f["volatility"] == pytest.approx(0.0)
    assert f["seasonality_strength"] == pytest.approx(0.0)
    assert f["peak_to_trough"] == pytest.approx(1.0)
    assert f["biggest_month_share"] == pytest.approx(1 / 12)
    assert f["refund_rate"] == pytest.approx(0.05)
    assert f["days_since_last_sale"] == 0
    assert f["zero_day_share"] == 0


def test_growth_year_on_year_and_recent():
    g = np.full(500, 100.0)
    g[-91:] = 200.0
    assert feats(g)["growth"] == pytest.approx(np.log(201.0 / 101.0))
    short = np.concatenate([np.full(45, 100.0), np.full(45, 300.0)])
    assert feats(short)["growth"] == pytest.approx(np.log(301.0 / 101.0))


def test_days_since_last_sale_and_zero_share():
    g = np.full(120, 50.0)
    g[-3:] = 0.0
    f = feats(g)
    assert f["days_since_last_sale"] == 3
    assert f["zero_day_share"] == pytest.approx(3 / 90)
    assert f["sales_level"] == pytest.approx(50.0 * 87 / 90)


def test_one_busy_month_a_year():
    g = np.full(360, 10.0)
    g[-30:] = 110.0  # the last 30-day block is the harvest
    f = feats(g)
    assert f["peak_to_trough"] == pytest.approx(11.0)
    assert f["biggest_month_share"] == pytest.approx(110 / (11 * 10 + 110))
    months = np.array([10.0] * 11 + [110.0])
    assert f["seasonality_strength"] == pytest.approx(months.std() / months.mean())


def test_volatility_is_cv_of_daily_sales():
    g = np.tile([50.0, 150.0], 60)
    assert feats(g)["volatility"] == pytest.approx(0.5)


def test_repayment_due_simple_interest():
    assert float(repayment_due(36500.0, 30, 0.1)) == pytest.approx(36500 + 300)


def test_gaps_do_not_count_as_history():
    g = np.full(200, 100.0)
    g[:50] = np.nan
    f = feats(g)
    assert f["history_days"] == 150
    s = DailySeries.from_sales(START, g)
    later = stack([s], s.end + timedelta(days=5))
    assert history_features(later)["history_days"][0] == 155
