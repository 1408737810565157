"""Feature definitions on hand-made series with known answers."""

from datetime import date, timedelta

import numpy as np
import pytest

from ruralcredit_cashflow.domain.features import (
    DEFAULT_HARVEST_LIFT,
    FEATURE_NAMES,
    FEATURES,
    HARVEST_PSEUDO_DAYS,
    harvest_coverage,
    harvest_multiplier,
    history_features,
    repayment_due,
    term_harvest_share,
)
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


def _tea(days: int, end: date, inside: float, outside: float, category: str | None = "tea"):
    """A tea seller (harvest window 1 March – 31 May) whose history ends on ``end``."""
    start = end - timedelta(days=days - 1)
    dates = [start + timedelta(days=k) for k in range(days)]
    g = np.array([inside if 3 <= d.month <= 5 else outside for d in dates])
    s = DailySeries.from_sales(start, g, None, category=category)
    return stack([s], s.end)


def test_harvest_lift_and_recent_share():
    batch = _tea(400, date(2024, 3, 14), 300.0, 100.0)
    f = history_features(batch)
    assert f["harvest_lift"][0] == pytest.approx(np.log(301.0 / 101.0))
    assert f["recent_harvest_share"][0] == pytest.approx(14 / 28)
    plain = history_features(_tea(400, date(2024, 3, 14), 300.0, 100.0, category=None))
    assert plain["harvest_lift"][0] == 0.0 and plain["recent_harvest_share"][0] == 0.0


def test_term_harvest_share_counts_future_sales_days_paid_in_the_term():
    batch = _tea(200, date(2024, 2, 14), 100.0, 100.0)
    # sales days 15 Feb .. 30 Mar are paid inside a 60-day term with a 15-day lag; March is in season
    assert term_harvest_share(batch, np.array([60]), np.array([15]))[0] == pytest.approx(30 / 45)
    assert term_harvest_share(batch, np.array([10]), np.array([15]))[0] == 0.0
    plain = _tea(200, date(2024, 2, 14), 100.0, 100.0, category=None)
    assert term_harvest_share(plain, np.array([60]), np.array([15]))[0] == 0.0


def test_harvest_coverage_flat_and_into_the_season():
    end = date(2024, 8, 1)
    batch = _tea(200, end, 100.0, 100.0, category=None)
    hist = history_features(batch)
    due = np.array([1000.0])
    # 15 known days paid in the term plus 15 forecast days at the level, no refunds, no events
    assert harvest_coverage(batch, np.array([30]), np.array([15]), hist, due)[0] == pytest.approx(3.0)
    # a term shorter than the lag collects only 10 of the days already sold
    assert harvest_coverage(batch, np.array([10]), np.array([15]), hist, due)[0] == pytest.approx(1.0)
    # a tea seller with half a year of off-season history, applying on 24 February (after the
    # Spring Festival days): of the 30 forecast days, 25 in March are lifted by the default lift
    tea = _tea(180, date(2024, 2, 24), 100.0, 100.0)
    hist = history_features(tea)
    out = harvest_coverage(tea, np.array([45]), np.array([15]), hist, due)[0]
    assert out == pytest.approx((15 * 100.0 + 5 * 100.0 + 25 * 100.0 * DEFAULT_HARVEST_LIFT) / 1000.0)
    # once its own history shows the season, its own lift (about 3×, over 92 in-season days of
    # the last 365) outweighs the default by 92 to HARVEST_PSEUDO_DAYS
    seen = _tea(400, date(2024, 2, 24), 300.0, 100.0)
    r = harvest_multiplier(seen, history_features(seen)["harvest_lift"])[0]
    expect = (92 * np.log(301.0 / 101.0) + HARVEST_PSEUDO_DAYS * np.log(DEFAULT_HARVEST_LIFT)) / (92 + HARVEST_PSEUDO_DAYS)
    assert r == pytest.approx(np.exp(expect))
