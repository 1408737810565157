"""The simulated loan book: shape, ground truth, and features identical to the service's ``assess``."""

from datetime import date

import numpy as np
import pytest

from ruralcredit_cashflow.domain.assess import assess
from ruralcredit_cashflow.domain.series import DailySeries
from ruralcredit_cashflow.model import simulated_loans
from ruralcredit_cashflow.model.training import category_of
from ruralcredit_common import calendar as cal
from ruralcredit_dev.simulator import simulate_merchants


@pytest.fixture(scope="module")
def book():
    return simulated_loans.simulate_loan_book(600, seed=5)


def test_columns_outcomes_and_spec(book):
    df, spec = book
    assert len(df) == 600
    assert set(spec["features"]) <= set(df.columns)
    assert set(spec["monotone"]) == set(spec["features"]) and spec["monotone"]["coverage_p10"] == -1
    assert df["defaulted"].isin([0, 1]).all() and df["true_pd"].between(0, 1).all()
    assert 0 < df["defaulted"].mean() < 0.05
    assert np.isfinite(df[spec["features"]].to_numpy()).all()


def test_default_rates_are_the_segments(book):
    """Calibrated to the published figures (see the simulator's docstring): about 2-5% a year over the
    applicants before any policy, most sellers safe, a risky tail."""
    df, _ = book
    years = df["term_days"] / 365
    yearly = 1 - (1 - df["true_pd"]) ** (1 / years)
    assert 0.02 <= df["true_pd"].sum() / years.sum() <= 0.05
    assert yearly.median() < 0.02 and yearly.quantile(0.9) < 0.1 and yearly.quantile(0.99) > 0.2


def test_same_seed_same_book():
    a, _ = simulated_loans.simulate_loan_book(50, seed=9)
    b, _ = simulated_loans.simulate_loan_book(50, seed=9)
    assert a.equals(b)


def test_features_equal_the_service_path_for_one_merchant(book):
    df, spec = book
    panel = simulate_merchants(simulated_loans.merchants_for(600), start=date(2022, 1, 1), n_days=simulated_loans.SIM_DAYS, seed=5)
    cats = category_of(panel)
    for i in (0, 17, 333):
        row = df.iloc[i]
        m = int(row["merchant_id"].rsplit("-", 1)[1])
        k = (row["application_date"] - panel.start).days + 1
        cat = cal.CATEGORIES[cats[m]] if cats[m] >= 0 else None
        series = DailySeries(panel.start, panel.gross[m, :k], panel.refunds[m, :k], panel.payouts[m, :k], cat)
        a = assess(
            series,
            amount=row["loan_amount"],
            term_days=int(row["term_days"]),
            annual_rate_guess=row["annual_rate"],
            as_of=row["application_date"],
        )
        for f in spec["features"]:
            assert a.features[f] == pytest.approx(row[f], rel=1e-9, abs=1e-9, nan_ok=True), f
