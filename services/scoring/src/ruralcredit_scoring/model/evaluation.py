"""Discrimination and calibration measures for PD models: AUC, KS, Brier, ECE, calibration table."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve


def ks(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the defaulters' and repayers' score CDFs."""
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def _bins(p: np.ndarray, n_bins: int) -> np.ndarray:
    # Equal-count bins: equal-width bins would leave the upper bins nearly empty at low default rates.
    order = np.argsort(p, kind="stable")
    idx = np.empty(len(p), dtype=int)
    idx[order] = np.arange(len(p)) * n_bins // len(p)
    return idx


def calibration_table(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Per equal-count bin of predicted PD: loans, mean predicted PD, observed default rate."""
    df = pd.DataFrame({"bin": _bins(p, n_bins), "y": y, "p": p})
    t = df.groupby("bin").agg(loans=("y", "size"), mean_pd=("p", "mean"), default_rate=("y", "mean"))
    t["gap"] = t["default_rate"] - t["mean_pd"]
    return t.reset_index()


def ece(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error over equal-count bins, weighted by loans."""
    t = calibration_table(y, p, n_bins)
    return float((t["loans"] * t["gap"].abs()).sum() / t["loans"].sum())


def evaluate(y: npt.ArrayLike, p: npt.ArrayLike, n_bins: int = 10) -> dict[str, float]:
    """AUC, KS, Brier, log loss, ECE, mean PD and default rate of one set of predictions."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float).clip(1e-7, 1 - 1e-7)
    return {
        "auc": float(roc_auc_score(y, p)),
        "ks": ks(y, p),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p)),
        "ece": ece(y, p, n_bins),
        "mean_pd": float(p.mean()),
        "default_rate": float(y.mean()),
        "n": len(y),
    }


def table(rows: dict[str, dict[str, float]], cols: tuple[str, ...] = ("auc", "ks", "brier", "ece", "mean_pd")) -> str:
    """A plain-text metrics table, one row per model."""
    head = f"{'model':<22}" + "".join(f"{c:>10}" for c in cols)
    lines = [head, "-" * len(head)]
    for name, m in rows.items():
        lines.append(f"{name:<22}" + "".join(f"{m.get(c, float('nan')):>10.4f}" for c in cols))
    return "\n".join(lines)
