"""Forecasters: bands widen for short histories; zeros, gaps, spikes and 30-day histories never crash."""

from datetime import date

import numpy as np
import pytest

from ruralcredit_cashflow.domain.forecast.base import SeasonalNaive, SeasonalProfile
from ruralcredit_cashflow.domain.series import DailySeries, stack
from ruralcredit_cashflow.model.gbm import GlobalGBM
from ruralcredit_cashflow.model.training import cut, train_simulated
from ruralcredit_dev.simulator import simulate_merchants


@pytest.fixture(scope="module")
def gbm(tmp_path_factory):
    path = tmp_path_factory.mktemp("gbm") / "global_gbm.json"
    model = train_simulated(path, n_merchants=200, rounds=25)
    return model, path


@pytest.fixture(scope="module")
def panel():
    return simulate_merchants(200, start=date(2023, 1, 1), n_days=760, seed=21, min_history=760)


def relative_band(f):
    return np.mean((f.p90 - f.p10) / np.maximum(f.p50, 1e-9), axis=1)


@pytest.mark.parametrize("make", [SeasonalProfile, "gbm"])
def test_short_history_gets_a_wider_band(make, gbm, panel):
    model = gbm[0] if make == "gbm" else make()
    rows = np.arange(panel.n_merchants)
    long = cut(panel, rows, np.full(len(rows), 700), horizon=30).batch
    short = cut(panel, rows, np.full(len(rows), 700), horizon=30, length=30).batch
    assert np.median(relative_band(model.predict(short, 30)) / relative_band(model.predict(long, 30))) > 1.15


@pytest.mark.parametrize("make", [SeasonalNaive, SeasonalProfile, "gbm"])
def test_awkward_histories(make, gbm):
    model = gbm[0] if make == "gbm" else make()
    start = date(2024, 1, 1)
    spiky = np.full(400, 100.0)
    spiky[350] = 5000.0
    gappy = np.full(400, 100.0)
    gappy[200:260] = np.nan
    series = [
        DailySeries.from_sales(start, np.zeros(400)),
        DailySeries.from_sales(start, gappy),
        DailySeries.from_sales(start, spiky),
        DailySeries.from_sales(date(2025, 1, 5), np.full(30, 80.0)),
        DailySeries.from_sales(start, np.where(np.arange(400) % 3 == 0, 0.0, 60.0)),
    ]
    f = model.predict(stack(series, [s.end for s in series]), 90)
    for a in (f.p10, f.p50, f.p90, f.mean):
        assert np.isfinite(a).all() and (a >= 0).all()
    assert (f.p10 <= f.p50 + 1e-9).all() and (f.p50 <= f.p90 + 1e-9).all()
    assert f.p90[0].max() == 0  # never sold: nothing expected
    assert f.p50[2].max() < 1000  # one spike does not become the level


def test_seasonal_profile_reproduces_a_clean_weekly_pattern():
    week = np.array([80.0, 90, 100, 100, 110, 160, 60])
    s = DailySeries.from_sales(date(2025, 1, 6), np.tile(week, 10))  # starts on a Monday
    f = SeasonalProfile().predict(stack([s], s.end), 14)
    assert s.end.weekday() == 6
    np.testing.assert_allclose(f.p50[0], np.tile(week, 2), rtol=0.12)
    assert f.p50[0].argmax() == 5 and f.p50[0].argmin() == 6


def test_artefact_round_trip(gbm, panel):
    model, path = gbm
    again = GlobalGBM.load(path)
    batch = cut(panel, np.arange(20), np.full(20, 700), horizon=0).batch
    np.testing.assert_allclose(model.predict(batch, 40).p50, again.predict(batch, 40).p50)


def test_artefact_with_other_features_is_refused(tmp_path, gbm):
    bad = tmp_path / "bad.json"
    bad.write_text(gbm[1].read_text().replace('"h"', '"hh"', 1))
    with pytest.raises(ValueError):
        GlobalGBM.load(bad)
