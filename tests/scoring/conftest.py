"""Fixtures for the scorer's tests: a small synthetic loan book with a known PD, and a model trained on it."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralcredit_scoring.model.loanbook import FeatureSpec
from tests.scoring.books import synthetic_book, synthetic_spec


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


@pytest.fixture(scope="session")
def simulated(tmp_path_factory):
    """A book from the portfolio simulator (12,000 loans: about a hundred defaults at the segment's
    default rate), the model trained on it, its registry and its scorer."""
    from ruralcredit_scoring.model import pipeline, registry
    from ruralcredit_scoring.model.scorer import Scorer
    from ruralcredit_scoring.model.train import train
    from tests.support.books import simulated_book

    frame, spec = simulated_book(12000, seed=11)
    result = train(frame, spec, log=lambda s: None)
    reg = registry.Registry(tmp_path_factory.mktemp("sim-models"))
    pipeline.register(result, reg, promote=True, with_card=False)
    return frame, spec, result, reg, Scorer(reg.load())
