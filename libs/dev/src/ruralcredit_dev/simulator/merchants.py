"""Vectorised daily gross sales of simulated rural merchants (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.signal import lfilter

from ruralcredit_common import calendar as cal

KINDS: tuple[str, ...] = ("produce", "village_shop", "cooperative", "livestream", "group_buy")
KIND_SHARES = np.array([0.35, 0.2, 0.15, 0.15, 0.15])
REGIME_PHI = 0.985  # daily persistence of a merchant's business regime (log level)


@dataclass
class MerchantParams:
    """Latent per-merchant parameters; arrays of length n (the simulator's ground truth)."""

    kind: np.ndarray
    category: np.ndarray
    level: np.ndarray  # median daily gross sales at panel start, yuan
    growth: np.ndarray  # annual log growth
    sigma: np.ndarray  # daily multiplicative noise (log sd)
    regime_sd: np.ndarray  # innovation sd of the AR(1) business regime
    harvest_amp: np.ndarray
    off_season: np.ndarray  # produce sellers' sales outside the harvest window, share of level
    fest_amp: np.ndarray  # 6.18 / 11.11 affinity (peak day multiplier − 1)
    sf_peak_amp: np.ndarray
    sf_slump: np.ndarray  # Spring Festival slump multiplier
    weekly: np.ndarray  # (n, 7) weekly rhythm, mean 1
    zero_prob: np.ndarray
    first_day: np.ndarray  # column of the first day on the platform (NaN before)


def draw_params(n: int, n_days: int, rng: np.random.Generator, min_history: int = 30) -> MerchantParams:
    """Draw latent parameters for ``n`` merchants."""
    kind = rng.choice(len(KINDS), size=n, p=KIND_SHARES)
    produce_like = (kind == 0) | (kind == 2)
    category = rng.integers(0, len(cal.CATEGORIES), size=n)
    live = kind == 3
    weekly = 1.0 + rng.normal(0, 0.08, (n, 7))
    weekend = np.where(live | (kind == 4), rng.uniform(0.1, 0.4, n), rng.uniform(-0.1, 0.25, n))
    weekly[:, 5:] += weekend[:, None]
    weekly /= weekly.mean(axis=1, keepdims=True)
    late_start = rng.random(n) < 0.35
    first = np.where(late_start, rng.integers(0, max(n_days - min_history, 1), n), 0)
    return MerchantParams(
        kind=kind,
        category=category,
        level=np.exp(rng.normal(np.log(1200), 0.8, n)).clip(80, 40000),
        growth=rng.normal(0.08, 0.3, n).clip(-0.8, 1.0),
        sigma=rng.uniform(0.15, 0.6, n),
        regime_sd=rng.uniform(0.005, 0.03, n),
        harvest_amp=np.where(produce_like, rng.uniform(1.0, 4.0, n), rng.uniform(0.0, 0.3, n)),
        off_season=np.where(kind == 0, rng.uniform(0.15, 0.6, n), 1.0),
        fest_amp=np.where(live, rng.uniform(3.0, 8.0, n), rng.uniform(0.5, 3.0, n)),
        sf_peak_amp=rng.uniform(0.2, 1.2, n),
        sf_slump=rng.uniform(0.15, 0.6, n),
        weekly=weekly,
        zero_prob=np.where(rng.random(n) < 0.4, rng.uniform(0.0, 0.2, n), 0.0),
        first_day=first,
    )


def seasonal_mean(p: MerchantParams, start: date, n_days: int) -> np.ndarray:
    """Deterministic expected sales (n, n_days) before regime, noise and growth."""
    t = cal.feature_table()
    i0 = cal.day_index(start)
    sl = slice(i0, i0 + n_days)
    # smooth the harvest edges over ~10 days: arrivals build up and tail off
    kernel = np.ones(11) / 11
    harvest = np.stack([np.convolve(r, kernel, mode="same") for r in np.stack([t[f"harvest_{c}"][sl] for c in cal.CATEGORIES])])[
        p.category
    ]
    base = p.off_season[:, None] + (1 - p.off_season[:, None] + p.harvest_amp[:, None]) * harvest
    doy = t["doy"][sl]
    shop_cycle = 1 + 0.15 * np.sin(2 * np.pi * (doy - 80) / 365.25)
    base = np.where(p.harvest_amp[:, None] < 0.5, base * shop_cycle, base)
    fest = (
        1
        + p.fest_amp[:, None] * (t["d618"][sl] + 1.2 * t["d1111"][sl])
        + 0.25 * p.fest_amp[:, None] * (t["ramp618"][sl] + t["ramp1111"][sl]) ** 2
        + p.sf_peak_amp[:, None] * t["sf_peak"][sl]
    )
    fest = fest * np.where(t["sf_slump"][sl] > 0, p.sf_slump[:, None], 1.0)
    weekly = p.weekly[:, t["dow"][sl]]
    return base * fest * weekly


def regime_path(p: MerchantParams, n_days: int, rng: np.random.Generator) -> np.ndarray:
    """AR(1) log business regime (n, n_days): persistent, partly foreseeable swings."""
    eps = rng.normal(0, 1, (len(p.level), n_days)) * p.regime_sd[:, None]
    return lfilter([1.0], [1.0, -REGIME_PHI], eps, axis=1)


def draw_sales(
    p: MerchantParams, start: date, n_days: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (gross sales, expected sales, regime) arrays (n, n_days); NaN before first day."""
    n = len(p.level)
    days = np.arange(n_days)
    trend = np.exp(p.growth[:, None] * days / 365.25)
    regime = regime_path(p, n_days, rng)
    expected = p.level[:, None] * trend * seasonal_mean(p, start, n_days)
    noise = np.exp(rng.normal(0, 1, (n, n_days)) * p.sigma[:, None] - p.sigma[:, None] ** 2 / 2)
    gross = expected * np.exp(regime) * noise
    gross *= rng.random((n, n_days)) >= p.zero_prob[:, None]
    # closures: a few merchants stop for 3–20 days (illness, out of stock, road closed)
    for _ in range(2):
        closed = rng.random(n) < 0.2
        a = rng.integers(0, n_days, n)
        span = (days[None, :] >= a[:, None]) & (days[None, :] < (a + rng.integers(3, 21, n))[:, None])
        gross[closed[:, None] & span] = 0.0
    # one-off spikes: a viral clip or a bulk order, unforeseeable
    spikes = rng.random((n, n_days)) < 0.004
    gross[spikes] *= rng.uniform(3.0, 10.0, spikes.sum())
    gross = np.round(gross, 2)
    before = days[None, :] < p.first_day[:, None]
    gross[before] = np.nan
    return gross, expected, regime
