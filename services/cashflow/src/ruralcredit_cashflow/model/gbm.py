"""Global LightGBM forecaster: one quantile model per band edge, shared by all merchants.

Targets are sales ÷ the merchant's level, so merchants of any size teach one model; inputs
are the forecast day's calendar (festival and harvest flags) and the merchant's profile.
The trained artefact is one JSON file (``save``/``load``); LightGBM is imported lazily so
the rest of the domain runs without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ruralcredit_cashflow.domain.forecast import profile as prof
from ruralcredit_cashflow.domain.forecast.base import QUANTILES, Forecaster, SalesForecast, SeasonalProfile, lognormal_mean
from ruralcredit_cashflow.domain.series import SeriesBatch
from ruralcredit_common import calendar as cal

SHORT_HISTORY = 90  # days below which the band is widened
SHORT_WIDEN = 0.5  # log-band widening at zero history (linear in the days missing)
MAX_H = 120  # longest distance ahead seen in training; further days reuse its value
CAL_COLS = ("dow", "doy", "sf_offset", "ramp618", "ramp1111", *(f"harvest_{c}" for c in cal.CATEGORIES))
FEATURES: tuple[str, ...] = (
    "h",
    "event",
    *CAL_COLS,
    "shape",
    "weekly",
    "yearly",
    "lift",
    "lift_seen",
    "history_days",
    "q10",
    "q50",
    "q90",
    "zero_share",
    "r7",
    "r91",
    "yoy",
    "log_level",
    "harvest_ratio",
    "level_vs_year",
    "own_harvest",
    "own_harvest_now",
)
PARAMS = {
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.7,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 2,
}


def design(pr: prof.Profile, horizon: int) -> np.ndarray:
    """Feature matrix (n·H, len(FEATURES)) in FEATURES order, one row per merchant-day."""
    n = len(pr.level)
    t = cal.feature_table()
    ev = pr.event.astype(np.int64)

    def per_day(a):
        return np.broadcast_to(a, (n, horizon))

    def per_merchant(a):
        return np.broadcast_to(np.asarray(a, dtype=float)[:, None], (n, horizon))

    cols = [
        per_day(np.minimum(np.arange(1, horizon + 1), MAX_H)),
        ev,
        *(t[c][pr.target_day] for c in CAL_COLS),
        pr.seasonal_shape(),
        np.take_along_axis(pr.weekly, pr.dow, axis=1),
        pr.yearly,
        np.take_along_axis(pr.lift, ev, axis=1),
        np.take_along_axis(pr.lift_seen, ev, axis=1),
        per_merchant(np.minimum(pr.history_days, 800)),
        *(per_merchant(pr.resid_q[:, i]) for i in range(3)),
        per_merchant(pr.zero_share),
        per_merchant(pr.r7),
        per_merchant(pr.r91),
        per_merchant(pr.yoy),
        per_merchant(np.log1p(pr.level)),
        pr.harvest_ratio,
        per_merchant(pr.level_vs_year),
        pr.own_harvest,
        per_merchant(pr.own_harvest_now),
    ]
    return np.stack([np.asarray(c, dtype=np.float32) for c in cols], axis=2).reshape(n * horizon, len(FEATURES))


PARALLEL_ROWS = 10_000  # below this, a second thread costs more than it saves


class GlobalGBM:
    """Quantile LightGBM models (P10, P50, P90) over all merchants."""

    name = "global_gbm"

    def __init__(self, boosters: list, meta: dict | None = None) -> None:
        self.boosters = boosters
        self.meta = meta or {}

    def predict(self, batch: SeriesBatch, horizon: int, profile: prof.Profile | None = None) -> SalesForecast:
        """Forecast ``horizon`` days for every merchant of ``batch``."""
        pr = profile or prof.build(batch, horizon)
        X = design(pr, horizon)
        n = len(pr.level)
        # A poll's few applications on one thread: LightGBM's OpenMP team cost 7 ms of CPU per
        # call to wake and spin for a few hundred rows (0.3 ms on one thread), three times a poll.
        threads = 1 if len(X) < PARALLEL_ROWS else 2
        preds = np.stack([b.predict(X, num_threads=threads).reshape(n, horizon) for b in self.boosters], axis=1)
        preds = np.sort(np.clip(preds, 0.0, None), axis=1)  # quantile models can cross
        out = preds * np.nan_to_num(pr.level)[:, None, None]
        # fewer than SHORT_HISTORY days: the level itself is uncertain, so widen the band in log space
        widen = 1.0 + SHORT_WIDEN * np.clip(SHORT_HISTORY - pr.history_days, 0, None)[:, None] / SHORT_HISTORY
        p50 = out[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(p50 > 0, p50 * (out[:, 0] / np.where(p50 > 0, p50, 1.0)) ** widen, out[:, 0])
            hi = np.where(p50 > 0, p50 * (out[:, 2] / np.where(p50 > 0, p50, 1.0)) ** widen, out[:, 2])
        return SalesForecast(lo, p50, hi, self.name, lognormal_mean(lo, p50, hi))

    def save(self, path: str | Path) -> None:
        """Write the artefact (three models and metadata) as one JSON file."""
        doc = {
            "features": list(FEATURES),
            "quantiles": list(QUANTILES),
            "meta": self.meta,
            "models": [b.model_to_string() for b in self.boosters],
        }
        Path(path).write_text(json.dumps(doc))

    @classmethod
    def load(cls, path: str | Path) -> GlobalGBM:
        """Read an artefact written by ``save``; refuses one built for other features."""
        import lightgbm as lgb

        doc = json.loads(Path(path).read_text())
        if doc.get("features") != list(FEATURES):
            raise ValueError(f"{path}: model features do not match this code's FEATURES")
        return cls([lgb.Booster(model_str=m) for m in doc["models"]], doc.get("meta", {}))


def fit(batch: SeriesBatch, future: np.ndarray, *, rounds: int = 250, days_per_row: int = 30, seed: int = 0) -> GlobalGBM:
    """Train on histories ``batch`` and their actual next days ``future`` (n, H)."""
    import lightgbm as lgb

    horizon = future.shape[1]
    pr = prof.build(batch, horizon)
    rng = np.random.default_rng(seed)
    keep = np.zeros(future.shape, bool)
    pick = rng.random(future.shape).argsort(axis=1)[:, :days_per_row]
    np.put_along_axis(keep, pick, True, axis=1)
    level = pr.level[:, None]
    y = np.where(level > 0, future / np.where(level > 0, level, 1.0), np.nan)
    keep &= np.isfinite(y)
    X = design(pr, horizon)[keep.ravel()]
    y = np.clip(y[keep], 0, 60)
    boosters = []
    for q in QUANTILES:
        params = {**PARAMS, "objective": "quantile", "alpha": q, "seed": seed}
        boosters.append(lgb.train(params, lgb.Dataset(X, y, feature_name=list(FEATURES), free_raw_data=False), rounds))
    return GlobalGBM(boosters, {"rows": len(y), "rounds": rounds, "seed": seed})


def load_forecaster(path: str | Path | None = None) -> Forecaster:
    """The backtest's winner (global LightGBM) from its artefact; the seasonal profile without one."""
    if path is None:
        return SeasonalProfile()
    return GlobalGBM.load(path)
