"""PSI: zero for the same population, large for a shifted one; monthly report shape."""

import numpy as np
import pandas as pd

from ruralcredit_scoring.model.drift import monthly_report, psi_against, reference, status


def test_psi_same_and_shifted():
    rng = np.random.default_rng(0)
    ref = reference(rng.normal(0, 1, 20000))
    assert psi_against(ref, rng.normal(0, 1, 20000)) < 0.01
    assert psi_against(ref, rng.normal(1, 1, 20000)) > 0.25
    assert status(0.05) == "stable" and status(0.3) == "shifted"


def test_missing_values_have_their_own_bin():
    ref = reference(np.arange(1000.0))
    assert psi_against(ref, np.full(1000, np.nan)) > 1


def test_monthly_report(trained, book):
    refs = trained.references
    frame = book.assign(pd=0.1, month=pd.date_range("2026-01-01", periods=len(book), freq="h"))
    report = monthly_report(refs, frame, "month")
    assert list(report["month"])[:2] == ["2026-01", "2026-02"]
    assert {"score", "coverage_p10", "max_psi"} <= set(report.columns)
