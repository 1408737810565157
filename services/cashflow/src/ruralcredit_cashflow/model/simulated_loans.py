"""Simulated loan book for scoring training: features from the service's own ``assess_batch``.

Each loan: a simulated merchant, an application at a random date with at least 30 days of
history, a term, an amount sized around what its recent sales could repay, features from
exactly the code the service runs (``domain.assess.assess_batch``), and the simulator's
ground truth (``true_pd``, ``defaulted``; mechanism in ``ruralcredit_dev.simulator``).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ruralcredit_cashflow.domain.assess import assess_batch
from ruralcredit_cashflow.domain.features import FEATURE_NAMES, FEATURES
from ruralcredit_cashflow.domain.forecast.base import Forecaster
from ruralcredit_cashflow.model.gbm import load_forecaster
from ruralcredit_cashflow.model.training import cut
from ruralcredit_dev.simulator import KINDS, loan_outcomes, simulate_merchants

TERMS = np.array([30, 60, 90, 120])
TERM_SHARES = np.array([0.25, 0.3, 0.3, 0.15])
LOANS_PER_MERCHANT = 2
SIM_DAYS = 900
CHUNK = 4000

# +1: risk rises with the feature, −1: risk falls, 0: no constraint (direction not known)
MONOTONE: dict[str, int] = {
    "history_days": -1,
    "sales_level": 0,
    "growth": -1,
    "volatility": 0,
    "weekly_volatility": 0,
    "seasonality_strength": 0,
    "peak_to_trough": 0,
    "refund_rate": 1,
    "biggest_month_share": 0,
    "days_since_last_sale": 1,
    "zero_day_share": 1,
    "settlement_regularity": 0,
    "coverage_p10": -1,
    "coverage_p50": -1,
    "cash_gap": 1,
    "harvest_lift": 0,
    "recent_harvest_share": 0,
    "term_harvest_share": 0,
    "coverage_harvest": -1,
    "loan_amount": 0,
    "term_days": 0,
}


def feature_spec() -> dict:
    """Feature columns, types, units and known monotone directions of the loan book."""
    return {
        "features": list(FEATURE_NAMES),
        "types": {k: "float" for k in FEATURE_NAMES},
        "units": {k: FEATURES[k][0] for k in FEATURE_NAMES},
        "monotone": dict(MONOTONE),
        "target": "defaulted",
        "true_pd": "true_pd",
    }


def merchants_for(n_loans: int) -> int:
    """Merchants simulated for a book of ``n_loans`` (late joiners without time for a loan are spare)."""
    return max(1, -(-n_loans * 6 // (5 * LOANS_PER_MERCHANT)))


def simulate_loan_book(
    n_loans: int,
    seed: int,
    *,
    forecaster: Forecaster | None = None,
    model_path: str | Path | None = None,
    start: date = date(2022, 1, 1),
    progress=None,
) -> tuple[pd.DataFrame, dict]:
    """Build ``n_loans`` simulated loans with features and outcomes; returns (DataFrame, spec).

    Pass the forecaster the service runs (or its artefact path) for training-serving parity;
    without either, the artefact-free seasonal profile is used.
    """
    model = forecaster or load_forecaster(model_path)
    rng = np.random.default_rng(seed)
    n_merchants = merchants_for(n_loans)
    panel = simulate_merchants(n_merchants, start=start, n_days=SIM_DAYS, seed=seed)
    rows = rng.permutation(np.repeat(np.arange(n_merchants), LOANS_PER_MERCHANT))
    term = rng.choice(TERMS, size=len(rows), p=TERM_SHARES)
    lo = panel.params.first_day[rows] + 29
    hi = SIM_DAYS - term - 40
    ok = np.nonzero(lo < hi)[0][:n_loans]
    rows, term, lo, hi = rows[ok], term[ok], lo[ok], hi[ok]
    # applications skew towards merchants with longer histories, as in a real book
    app = (hi - (hi - lo) * rng.random(len(rows)) ** 1.5).astype(np.int64)
    rate = np.round(rng.uniform(0.06, 0.18, len(rows)), 4)

    g = panel.gross[rows[:, None], app[:, None] - np.arange(90)[None, :]]
    recent = np.nan_to_num(np.nanmean(np.where(np.isfinite(g), g, np.nan), axis=1))
    # amounts around an eighth of recent sales over the term; the spread makes coverage vary
    amount = np.round(np.clip(0.12 * recent * term * rng.lognormal(0.0, 0.6, len(rows)), 500, 2_000_000), -2)

    frames = []
    order = np.argsort(term, kind="stable")
    for k in range(0, len(order), CHUNK):
        idx = order[k : k + CHUNK]
        w = cut(panel, rows[idx], app[idx], horizon=1)
        res = assess_batch(
            w.batch,
            amount=amount[idx],
            term_days=term[idx],
            annual_rate_guess=rate[idx],
            forecaster=model,
            horizon=int(term[idx].max()),
        )
        hist = res.features["history_days"]
        out = loan_outcomes(panel, rows[idx], app[idx], amount[idx], term[idx], rate[idx], hist, rng)
        frames.append(
            pd.DataFrame(
                {
                    "loan_id": idx,
                    "merchant_id": [f"sim-{seed}-{r}" for r in rows[idx]],
                    "merchant_kind": [KINDS[k] for k in panel.params.kind[rows[idx]]],
                    "application_date": [start + timedelta(days=int(a)) for a in app[idx]],
                    "annual_rate": rate[idx],
                    **res.features,
                    "expected_collections": out.expected_collections,
                    "true_pd": out.true_pd,
                    "defaulted": out.defaulted,
                }
            )
        )
        if progress:
            progress(f"loan book: {min(k + CHUNK, len(order))}/{len(order)} loans")
    book = pd.concat(frames).sort_values("loan_id").reset_index(drop=True)
    return book.drop(columns="loan_id"), feature_spec()
