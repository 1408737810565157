"""Population stability index of the score and each feature against the training sample."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

N_BINS = 10
FLOOR = 1e-4  # empty bins would make PSI infinite; a small floor keeps it finite and comparable


def reference(values: np.ndarray, n_bins: int = N_BINS) -> dict:
    """Bin edges (training quantiles) and training frequencies; missing values get their own bin."""
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, n_bins + 1)[1:-1])) if len(finite) else np.array([])
    return {"edges": edges.tolist(), "freq": frequencies(v, edges.tolist()).tolist()}


def frequencies(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Share of values in each bin defined by edges, plus a last bin for missing values."""
    v = np.asarray(values, dtype=float)
    nan = ~np.isfinite(v)
    counts = np.bincount(np.searchsorted(np.asarray(edges), v[~nan], side="right"), minlength=len(edges) + 1)
    counts = np.append(counts, nan.sum()).astype(float)
    return counts / max(counts.sum(), 1.0)


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index: sum (a - e) ln(a / e) over bins."""
    e = np.maximum(np.asarray(expected, dtype=float), FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_against(ref: Mapping, values: np.ndarray) -> float:
    """PSI of values against a stored reference."""
    return psi(np.asarray(ref["freq"]), frequencies(values, list(ref["edges"])))


def drift(references: Mapping[str, Mapping], frame: pd.DataFrame, score_col: str = "pd") -> dict[str, float]:
    """PSI of the score and of each feature with a reference; columns absent from frame are skipped."""
    out = {}
    for name, ref in references.items():
        col = score_col if name == "score" else name
        if col in frame.columns:
            out[name] = psi_against(ref, frame[col].to_numpy(dtype=float))
    return out


def monthly_report(
    references: Mapping[str, Mapping], frame: pd.DataFrame, date_col: str, score_col: str = "pd"
) -> pd.DataFrame:
    """One row per month: loans scored and PSI of the score and each feature (0.1 watch, 0.25 act)."""
    months = pd.to_datetime(frame[date_col]).dt.to_period("M")
    rows = []
    for month, part in frame.groupby(months, sort=True):
        rows.append({"month": str(month), "loans": len(part), **drift(references, part, score_col)})
    report = pd.DataFrame(rows)
    cols = [c for c in report.columns if c not in ("month", "loans")]
    report["max_psi"] = report[cols].max(axis=1) if cols else 0.0
    return report


def status(value: float) -> str:
    """Conventional reading of a PSI figure."""
    return "stable" if value < 0.1 else "watch" if value < 0.25 else "shifted"
