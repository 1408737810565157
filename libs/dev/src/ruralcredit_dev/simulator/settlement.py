"""Refunds, platform settlement lag and fees: gross sales → daily payouts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLATFORM_LAGS = np.array([15, 7, 10, 20])  # declared settlement lag per platform, days
PLATFORM_SHARES = np.array([0.6, 0.15, 0.1, 0.15])
JITTER = np.array([-1, 1, 2, 3])  # how late (or early) an irregular payout lands
MAX_REFUND_DELAY = 6


@dataclass
class SettlementParams:
    """Per-merchant settlement ground truth; arrays of length n."""

    lag: np.ndarray  # declared platform lag, days
    regularity: np.ndarray  # probability a day's payout lands exactly on the declared lag
    fee_rate: np.ndarray  # platform fee, share of gross sales
    refund_rate: np.ndarray  # expected refunds, share of gross sales


def draw_settlement(kind: np.ndarray, rng: np.random.Generator) -> SettlementParams:
    """Draw platform and refund behaviour for merchants of the given kinds."""
    n = len(kind)
    refund_mean = np.select([kind == 3, kind == 0], [0.10, 0.07], 0.04)
    return SettlementParams(
        lag=rng.choice(PLATFORM_LAGS, size=n, p=PLATFORM_SHARES),
        regularity=rng.uniform(0.55, 0.98, n),
        fee_rate=rng.uniform(0.005, 0.06, n),
        refund_rate=np.clip(rng.gamma(4.0, refund_mean / 4.0), 0.0, 0.4),
    )


def settle(gross: np.ndarray, s: SettlementParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (refunds, payouts) arrays shaped like ``gross`` (n, T), by day they happen."""
    n, T = gross.shape
    g = np.nan_to_num(gross)
    # refunds of a day's sales vary a lot day to day but average refund_rate
    share = s.refund_rate[:, None] * rng.lognormal(-0.125, 0.5, (n, T))
    refund_amt = np.minimum(g * share, g)
    days = np.arange(T)[None, :]
    rows = np.arange(n)[:, None] * (T + 64)
    r_day = days + rng.integers(1, MAX_REFUND_DELAY + 1, (n, T))
    refunds = np.bincount((rows + r_day).ravel(), refund_amt.ravel(), n * (T + 64)).reshape(n, T + 64)[:, :T]
    late = rng.random((n, T)) >= s.regularity[:, None]
    lag = s.lag[:, None] + np.where(late, rng.choice(JITTER, (n, T)), 0)
    net = g * (1 - s.fee_rate[:, None]) - refund_amt
    payouts = np.bincount((rows + days + lag).ravel(), net.ravel(), n * (T + 64)).reshape(n, T + 64)[:, :T]
    missing = np.isnan(gross)
    refunds[missing] = np.nan
    payouts[missing] = np.nan
    return np.round(refunds, 2), np.round(payouts, 2)
