"""Forecast result type and the two artefact-free forecasters: seasonal naive and seasonal profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ruralcredit_cashflow.domain.forecast import profile as prof
from ruralcredit_cashflow.domain.series import SeriesBatch

QUANTILES = (0.1, 0.5, 0.9)
Z90 = 1.2816  # standard normal 90th percentile
MEAN_SKEW = 0.45


@dataclass
class SalesForecast:
    """Daily sales quantiles, yuan/day, arrays (n, H) for forecast days 1..H after as_of."""

    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    method: str
    mean: np.ndarray  # expected sales; sums of days need the mean, not the median (lognormal_mean without one)

    def stacked(self) -> np.ndarray:
        """(n, 4, H) in P10, P50, P90, mean order."""
        return np.stack([self.p10, self.p50, self.p90, self.mean], axis=1)

    def row(self, i: int) -> SalesForecast:
        """Merchant ``i`` as a batch of one."""
        return SalesForecast(self.p10[i : i + 1], self.p50[i : i + 1], self.p90[i : i + 1], self.method, self.mean[i : i + 1])


def lognormal_mean(p10: np.ndarray, p50: np.ndarray, p90: np.ndarray) -> np.ndarray:
    """Mean of a right-skewed daily distribution from its quantiles (log-normal upper tail).

    The band also holds uncertainty that is not day-to-day skew, so only MEAN_SKEW of the
    log-normal correction is applied; calibrated so 30–90-day totals fall half above, half below.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.where(p50 > 0, np.log(np.maximum(p90, p50) / np.where(p50 > 0, p50, 1.0)) / Z90, 0.0)
    return p50 * np.exp(MEAN_SKEW * np.clip(sigma, 0.0, 1.0) ** 2 / 2)


class Forecaster(Protocol):
    """Anything that turns a batch of histories into daily sales quantiles."""

    name: str

    def predict(self, batch: SeriesBatch, horizon: int, profile: prof.Profile | None = None) -> SalesForecast:
        """Forecast ``horizon`` days after each history's last day."""
        ...


def _band(p50: np.ndarray, log_lo: np.ndarray, log_hi: np.ndarray, mean: np.ndarray | None = None) -> SalesForecast:
    p10, p90 = p50 * np.exp(log_lo), p50 * np.exp(log_hi)
    return SalesForecast(p10, p50, p90, "", lognormal_mean(p10, p50, p90) if mean is None else mean)


class SeasonalNaive:
    """Baseline: each weekday repeats its value of the last week; band from weekly differences."""

    name = "seasonal_naive"

    def predict(self, batch: SeriesBatch, horizon: int, profile: prof.Profile | None = None) -> SalesForecast:
        """Repeat the last observed week."""
        x = np.nan_to_num(batch.gross)
        last = x[:, -7:]
        p50 = np.tile(last, (1, horizon // 7 + 1))[:, :horizon]
        diff = x[:, 7:] - x[:, :-7]
        diff = np.where(np.isnan(batch.gross[:, 7:]) | np.isnan(batch.gross[:, :-7]), np.nan, diff)[:, -91:]
        with np.errstate(all="ignore"):
            lo, hi = np.nanquantile(np.where(np.isfinite(diff).any(axis=1, keepdims=True), diff, 0.0), [0.1, 0.9], axis=1)
        grow = np.sqrt(np.ceil(np.arange(1, horizon + 1) / 7))[None, :]
        return SalesForecast(np.maximum(p50 + lo[:, None] * grow, 0), p50, p50 + hi[:, None] * grow, self.name, p50)


class SeasonalProfile:
    """Level × weekly rhythm × last year's shape × festival lifts; needs no trained artefact."""

    name = "seasonal_profile"
    band_scale = 1.4  # multiplies the log band; set so the backtest's P10–P90 coverage is near 80%

    def predict(self, batch: SeriesBatch, horizon: int, profile: prof.Profile | None = None) -> SalesForecast:
        """Forecast from the merchant's own seasonal profile."""
        pr = profile or prof.build(batch, horizon)
        q10, q50, q90 = (np.clip(pr.resid_q[:, i], 1e-3, None) for i in range(3))
        mean = np.nan_to_num(pr.level[:, None] * pr.seasonal_shape())  # level is a mean of days
        p50 = mean * q50[:, None]
        lo, hi = log_band(pr, np.log(q10 / q50), np.log(q90 / q50), horizon)
        out = _band(p50, lo * self.band_scale, hi * self.band_scale, mean)
        out.method = self.name
        return out


def log_band(pr: prof.Profile, lo: np.ndarray, hi: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Widen a day's log band for distance ahead, short history and unknown yearly shape."""
    h = np.arange(1, horizon + 1)[None, :]
    hist = np.maximum(pr.history_days, 7.0)[:, None]
    # level drift grows with distance; a short history knows its level and rhythm less well
    drift = 0.12 * np.sqrt(h / 30.0) * (1.0 + 60.0 / hist)
    unknown_year = np.where(np.isfinite(pr.yearly), 0.0, 0.35 * np.minimum(np.sqrt(h / 60.0), 1.5))
    extra = np.sqrt(drift**2 + unknown_year**2) * Z90
    lo2 = -np.sqrt(lo[:, None] ** 2 + extra**2)
    hi2 = np.sqrt(hi[:, None] ** 2 + extra**2)
    return lo2, hi2
