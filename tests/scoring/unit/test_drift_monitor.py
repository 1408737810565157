"""Live drift gauges: a shifted population raises PSI, the training population does not."""

from __future__ import annotations

import numpy as np

from ruralcredit_scoring import metrics
from ruralcredit_scoring.drift_monitor import DriftMonitor
from ruralcredit_scoring.model import drift


def _reference(rng):
    return {"score": drift.reference(rng.beta(2, 30, 5000)), "coverage_p10": drift.reference(rng.lognormal(0.5, 0.4, 5000))}


def test_same_population_is_stable_and_shifted_one_is_not():
    rng = np.random.default_rng(0)
    ref = _reference(rng)
    same, shifted = DriftMonitor(window=1000, every=500, min_rows=500), DriftMonitor(window=1000, every=500, min_rows=500)
    out_same = out_shift = None
    for _ in range(1000):
        out_same = same.observe(ref, float(rng.beta(2, 30)), {"coverage_p10": float(rng.lognormal(0.5, 0.4))}) or out_same
        out_shift = shifted.observe(ref, float(rng.beta(4, 20)), {"coverage_p10": float(rng.lognormal(0.0, 0.4))}) or out_shift
    assert out_same["score"] < 0.1 and out_same["coverage_p10"] < 0.1
    assert out_shift["score"] > 0.25 and out_shift["coverage_p10"] > 0.25
    assert metrics.PSI.labels("coverage_p10")._value.get() == out_shift["coverage_p10"]


def test_nothing_is_reported_before_enough_decisions():
    rng = np.random.default_rng(1)
    monitor = DriftMonitor(every=10, min_rows=50)
    assert all(monitor.observe(_reference(rng), 0.05, {"coverage_p10": 1.0}) is None for _ in range(49))
