"""Cutting simulated panels into (history, future) windows, and training the global model on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from ruralcredit_cashflow.domain.series import SeriesBatch
from ruralcredit_common import calendar as cal

HISTORY = 760  # columns kept per history: two years plus room for last year's window


@dataclass
class Windows:
    """Histories cut at origins, with what actually happened after them."""

    batch: SeriesBatch
    future_gross: np.ndarray  # (n, H)
    future_payouts: np.ndarray  # (n, H)
    rows: np.ndarray  # panel row of each window
    origin: np.ndarray  # panel column of each window's last known day


def cut(panel, rows: np.ndarray, origin: np.ndarray, horizon: int, length: int = HISTORY) -> Windows:
    """Histories of ``panel`` rows up to column ``origin`` and the ``horizon`` days after."""
    back = origin[:, None] - np.arange(length)[::-1][None, :]
    valid = back >= 0
    b = np.clip(back, 0, None)

    def take(a):
        return np.where(valid, a[rows[:, None], b], np.nan)

    fwd = origin[:, None] + np.arange(1, horizon + 1)[None, :]
    if horizon > 0 and fwd.max() >= panel.n_days:
        raise ValueError("window runs past the end of the panel")
    batch = SeriesBatch(
        take(panel.gross),
        take(panel.refunds),
        take(panel.payouts),
        cal.day_index(panel.start) + origin.astype(np.int64),
        category_of(panel)[rows],
    )
    return Windows(batch, panel.gross[rows[:, None], fwd], panel.payouts[rows[:, None], fwd], rows, origin)


def category_of(panel) -> np.ndarray:
    """Produce category a merchant's orders would show (sellers of produce only), −1 otherwise."""
    sells_produce = np.isin(panel.params.kind, (0, 2))
    return np.where(sells_produce, panel.params.category, -1).astype(np.int64)


def random_windows(panel, per_merchant: int, horizon: int, rng: np.random.Generator, min_history: int = 30) -> Windows:
    """``per_merchant`` random origins per merchant with at least ``min_history`` days before."""
    n = panel.n_merchants
    rows = np.repeat(np.arange(n), per_merchant)
    lo = panel.params.first_day[rows] + min_history - 1
    hi = panel.n_days - horizon - 1
    ok = lo < hi
    rows, lo = rows[ok], lo[ok]
    origin = (lo + rng.random(len(rows)) * (hi - lo)).astype(np.int64)
    return cut(panel, rows, origin, horizon)


def train_simulated(path: str | Path | None = None, *, n_merchants: int = 5000, seed: int = 7, rounds: int = 150):
    """Train the global model on simulated merchants; save it to ``path`` if given."""
    from ruralcredit_cashflow.model import gbm
    from ruralcredit_dev.simulator import simulate_merchants

    panel = simulate_merchants(n_merchants, start=date(2020, 1, 1), n_days=1300, seed=seed)
    w = random_windows(panel, 3, gbm.MAX_H, np.random.default_rng(seed))
    model = gbm.fit(w.batch, w.future_gross, rounds=rounds, seed=seed)
    model.meta.update({"trained_on": "simulator", "n_merchants": n_merchants, "sim_seed": seed})
    if path is not None:
        model.save(path)
    return model
