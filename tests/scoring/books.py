"""Loan books the scoring tests share: a cash-flow book with a known PD (the service's features) and
county-bank books with mixed column types, missing values and a text target."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ruralcredit_scoring.model.example_book import example_book, example_spec
from ruralcredit_scoring.model.loanbook import FeatureSpec

MONOTONE = {"history_days": -1, "coverage_p10": -1, "coverage_p50": -1, "volatility": 1, "refund_rate": 1, "growth": -1}


def synthetic_book(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    """Loans whose true PD depends (non-linearly) on the cash-flow features, plus unseen noise."""
    rng = np.random.default_rng(seed)
    history = rng.integers(60, 900, n).astype(float)
    cov10 = rng.lognormal(0.2, 0.5, n)
    cov50 = cov10 * rng.uniform(1.1, 1.6, n)
    vol = rng.gamma(2.0, 0.15, n)
    refund = rng.beta(2, 30, n)
    growth = rng.normal(0, 0.3, n)
    logit = (
        -3.2
        + 2.5 * np.clip(1.2 - cov10, 0, None) ** 1.5
        + 1.2 * vol
        + 12 * (refund - 0.06)
        + 0.8 * (history < 180)
        + 1.0 * np.clip(-growth, 0, None)
        + rng.normal(0, 0.3, n)
    )
    true_pd = 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "history_days": history,
            "coverage_p10": cov10,
            "coverage_p50": cov50,
            "volatility": vol,
            "refund_rate": refund,
            "growth": growth,
            "defaulted": (rng.random(n) < true_pd).astype(int),
            "true_pd": true_pd,
        }
    )


def synthetic_spec() -> FeatureSpec:
    """Spec of the synthetic book."""
    return FeatureSpec(features=tuple(MONOTONE), target="defaulted", monotone=MONOTONE, true_pd="true_pd")


def bank_book(n: int, default_rate: float = 0.25, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """A county-bank book: numeric, ordinal and categorical columns, missing values, target "status" in text."""
    return example_book(n, default_rate, seed=seed), example_spec("farm households of Qingshan county (test book)")


def write_book(folder: Path, frame: pd.DataFrame, spec: dict, name: str = "book") -> tuple[Path, Path]:
    """The book as CSV and its spec as JSON in folder, as an analyst would hand them over."""
    book, spec_path = folder / f"{name}.csv", folder / f"{name}.spec.json"
    frame.to_csv(book, index=False)
    spec_path.write_text(json.dumps(spec))
    return book, spec_path
