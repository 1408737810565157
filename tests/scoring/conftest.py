"""Fixtures for the scorer's tests: a small synthetic loan book with a known PD, and a model trained on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


@pytest.fixture(scope="session")
def book() -> pd.DataFrame:
    return synthetic_book()


@pytest.fixture(scope="session")
def spec() -> FeatureSpec:
    return synthetic_spec()


@pytest.fixture(scope="session")
def trained(book, spec):
    from ruralcredit_scoring.model.train import TrainConfig, train

    return train(book, spec, TrainConfig(seed=1), log=lambda s: None)


@pytest.fixture(scope="session")
def model_registry(trained, tmp_path_factory):
    from ruralcredit_scoring.model import pipeline, registry

    reg = registry.Registry(tmp_path_factory.mktemp("models"))
    pipeline.register(trained, reg, promote=True, with_card=False)
    return reg


@pytest.fixture(scope="session")
def trained_scorer(model_registry):
    from ruralcredit_scoring.model.scorer import Scorer

    return Scorer(model_registry.load())
