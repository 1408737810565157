"""A synthetic county-bank loan book with a known data-generating process, to try the trainer on.

It looks like a small rural bank's own file: numeric, ordinal and categorical columns, missing
values, a text target. Risk is mostly additive and monotone (as scorecards assume), with the
bends and interactions that real books have: a debt-to-income threshold, young and old borrowers,
a drought that hurts farm loans in three townships, thin income on long terms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SAVINGS = ("none", "under 5k", "5k-20k", "20k-50k", "over 50k")
EMPLOYMENT = ("under 1 year", "1-3 years", "4-7 years", "8+ years")
HISTORY = {"no loans": 0.3, "all repaid": -0.5, "repaid so far": 0.0, "late before": 0.6, "critical": 1.0}
PURPOSE = {
    "seed and fertiliser": 0.0, "livestock": 0.15, "farm equipment": -0.2, "shop stock": 0.1,
    "house repair": -0.1, "education": 0.2, "other": 0.35,
}
COLLATERAL = {"none": 0.35, "guarantor": 0.0, "land-use right": -0.3, "deposit pledge": -0.6}
HOUSING = {"own": -0.2, "rent": 0.2, "family": 0.05}
CHANNEL = {"branch": 0.0, "village agent": 0.05, "mobile": 0.0}  # no real effect: a column to ignore
DROUGHT = {"T03", "T07", "T11"}  # townships whose 2022 harvest failed
FARM = {"seed and fertiliser", "livestock"}


def _pick(rng: np.random.Generator, options: dict[str, float] | tuple[str, ...], n: int, p: list[float]) -> np.ndarray:
    return rng.choice(list(options), size=n, p=np.asarray(p) / np.sum(p))


def _intercept(logit: np.ndarray, rate: float) -> float:
    lo, hi = -15.0, 15.0
    for _ in range(60):  # the intercept that gives the asked-for default rate on this book
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (1 / (1 + np.exp(-(logit + mid)))).mean() < rate else (lo, mid)
    return (lo + hi) / 2


def example_book(n: int = 5000, default_rate: float = 0.25, seed: int = 0, with_true_pd: bool = False) -> pd.DataFrame:
    """n loans with the asked-for default rate; status is "defaulted" or "repaid"."""
    rng = np.random.default_rng(seed)
    township = np.array([f"T{i:02d}" for i in rng.integers(1, 13, n)])
    town_effect = dict(zip([f"T{i:02d}" for i in range(1, 13)], rng.normal(0, 0.3, 12)))
    age = np.clip(rng.normal(42, 11, n), 20, 70).round()
    income = np.exp(rng.normal(np.log(60000), 0.6, n)).round(-2)
    savings_rank = np.clip(np.round((np.log(income) - np.log(60000)) * 1.6 + rng.normal(1.8, 1.1, n)), 0, 4).astype(int)
    employment_rank = np.clip(np.round((age - 20) / 9 + rng.normal(0, 1.0, n)), 0, 3).astype(int)
    dti = np.clip(rng.gamma(2.0, 0.14, n), 0, 2.5).round(3)
    amount = np.clip(income * rng.lognormal(np.log(0.35), 0.5, n), 5000, 500000).round(-2)
    term = rng.choice([6, 12, 18, 24, 36], n, p=[0.15, 0.35, 0.15, 0.2, 0.15])
    months_with_bank = rng.integers(0, 240, n).astype(float)
    late = rng.poisson(0.4 + 0.6 * (dti > 0.5), n)
    mobile_share = rng.beta(2, 3, n).round(3)
    history = _pick(rng, HISTORY, n, [0.15, 0.35, 0.3, 0.12, 0.08])
    purpose = _pick(rng, PURPOSE, n, [0.25, 0.2, 0.1, 0.15, 0.1, 0.08, 0.12])
    collateral = _pick(rng, COLLATERAL, n, [0.35, 0.35, 0.2, 0.1])
    housing = _pick(rng, HOUSING, n, [0.6, 0.25, 0.15])
    channel = _pick(rng, CHANNEL, n, [0.5, 0.3, 0.2])

    logit = (
        0.45 * (age < 25) + 0.012 * np.abs(age - 48) + 0.3 * (age > 62)
        - 0.55 * np.log(income / 60000)
        - 0.22 * savings_rank
        - 0.25 * employment_rank
        + 2.2 * np.clip(dti - 0.45, 0, None) + 0.3 * dti
        + 0.35 * np.log(amount / income / 0.35)
        + 0.012 * term
        + 0.45 * np.log1p(late)
        - 0.0025 * months_with_bank
        - 0.4 * mobile_share
        + np.vectorize(HISTORY.get)(history) + np.vectorize(PURPOSE.get)(purpose)
        + np.vectorize(COLLATERAL.get)(collateral) + np.vectorize(HOUSING.get)(housing)
        + np.vectorize(town_effect.get)(township)
        + 0.8 * (np.isin(township, list(DROUGHT)) & np.isin(purpose, list(FARM)))
        + 0.45 * ((income < 35000) & (term >= 24))
        + rng.normal(0, 0.5, n)  # what the bank never sees
    )
    true_pd = 1 / (1 + np.exp(-(logit + _intercept(logit, default_rate))))
    defaulted = rng.random(n) < true_pd

    # Missing as in real files: income not asked of some, new customers without a bank history,
    # employment unknown; income goes missing more often among the risky.
    income_shown = np.where(rng.random(n) < 0.05 + 0.08 * (true_pd > 0.4), np.nan, income)
    months_shown = np.where(months_with_bank < 12, np.nan, months_with_bank)
    employment = np.array(EMPLOYMENT, dtype=object)[employment_rank]
    employment[rng.random(n) < 0.04] = None
    book = pd.DataFrame(
        {
            "loan_id": [f"L{seed:02d}-{i:06d}" for i in range(n)],
            "age": age,
            "annual_income": income_shown,
            "loan_amount": amount,
            "term_months": term,
            "debt_to_income": dti,
            "months_with_bank": months_shown,
            "late_payments_12m": late,
            "mobile_payment_share": mobile_share,
            "savings_band": np.array(SAVINGS, dtype=object)[savings_rank],
            "employment_length": employment,
            "credit_history": history,
            "purpose": purpose,
            "collateral": collateral,
            "housing": housing,
            "township": township,
            "channel": channel,
            "status": np.where(defaulted, "defaulted", "repaid"),
        }
    )
    if with_true_pd:
        book["true_pd"] = true_pd
    return book


def example_spec(population: str = "farm households and village shops of a county rural bank (synthetic book)") -> dict:
    """The feature spec of the example book, as a risk analyst would write it."""
    return {
        "population": population,
        "id": "loan_id",
        "target": "status",
        "bad": "defaulted",
        "columns": [
            {"name": "age"},
            {"name": "annual_income", "monotone": "decreasing"},
            {"name": "loan_amount"},
            {"name": "term_months", "monotone": "increasing"},
            {"name": "debt_to_income", "monotone": "increasing"},
            {"name": "months_with_bank", "monotone": "decreasing"},
            {"name": "late_payments_12m", "monotone": "increasing"},
            {"name": "mobile_payment_share"},
            {"name": "savings_band", "type": "ordinal", "order": list(SAVINGS), "monotone": "decreasing"},
            {"name": "employment_length", "type": "ordinal", "order": list(EMPLOYMENT), "monotone": "decreasing"},
            {"name": "credit_history", "type": "categorical"},
            {"name": "purpose", "type": "categorical"},
            {"name": "collateral", "type": "categorical"},
            {"name": "housing", "type": "categorical"},
            {"name": "township", "type": "categorical"},
            {"name": "channel", "type": "categorical"},
        ],
    }
