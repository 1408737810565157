"""The pipeline on the portfolio simulator's loan book: trains, registers, and serves the same PDs."""

import numpy as np
import pytest

from ruralcredit_scoring.model.train import encode

# The session fixture trains a model on 12,000 simulated loans first.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim(simulated):
    frame, spec, result, _, scorer = simulated
    return frame, spec, result, scorer


def test_serving_matches_training_on_simulated_features(sim):
    frame, spec, result, scorer = sim
    expected = result.calibrator(result.booster.predict(encode(frame, spec, result.categories), raw_score=True))
    np.testing.assert_allclose(scorer.score_frame(frame)["pd"], expected, atol=1e-12)
    row = frame.iloc[17][list(spec.features)].to_dict()
    assert abs(scorer.explain(row).pd - expected[17]) < 1e-9


def test_more_coverage_never_raises_pd_on_simulated_merchants(sim):
    frame, _, _, scorer = sim
    rows = frame.sample(100, random_state=0)
    base = scorer.score_frame(rows)["pd"].to_numpy()
    for bump in (0.1, 0.5, 2.0):
        better = rows.assign(coverage_p10=rows["coverage_p10"] + bump, coverage_p50=rows["coverage_p50"] + bump)
        assert (scorer.score_frame(better)["pd"].to_numpy() <= base + 1e-12).all()


def test_model_beats_chance_and_reports_oracle(sim):
    _, _, result, _ = sim
    assert result.metrics["lightgbm"]["auc"] > 0.7
    assert "oracle (true PD)" in result.metrics
