"""Collection schedule: forecast sales paid out after the settlement lag, net of refunds and fees."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ruralcredit_cashflow.domain.forecast.base import SalesForecast
from ruralcredit_cashflow.domain.series import SeriesBatch
from ruralcredit_cashflow.domain.settlement import MAX_LAG, SettlementProfile, collections_from_sales

FIT_DAYS = 90
DECLARED_SPREAD = 0.25  # relative day-to-day payout error assumed when payouts are not reported
TERM_RHO = 0.05  # share of day-to-day forecast error common to the whole term (calibrated)
BAND_SCALE = 1.15  # widens the daily band; set so 30-day collections' P10–P90 coverage is near 80%


@dataclass
class CollectionForecast:
    """Daily collections (payouts), yuan/day, arrays (n, H) for days 1..H after as_of."""

    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    mean: np.ndarray  # expected collections (for totals over many days); the P50 where none is known

    def row(self, i: int) -> CollectionForecast:
        """Merchant ``i`` as a batch of one."""
        return CollectionForecast(self.p10[i : i + 1], self.p50[i : i + 1], self.p90[i : i + 1], self.mean[i : i + 1])


def payout_spread(batch: SeriesBatch, settlement: SettlementProfile) -> tuple[np.ndarray, np.ndarray]:
    """P10/P90 of (actual − fitted) ÷ fitted payouts on recent days: the settlement's own noise."""
    n = batch.n
    lo = np.full(n, -DECLARED_SPREAD)
    hi = np.full(n, DECLARED_SPREAD)
    if batch.length < FIT_DAYS + 2 * MAX_LAG:
        return lo, hi
    start = batch.length - FIT_DAYS
    past = batch.gross[:, :start]
    fitted = collections_from_sales(past, np.nan_to_num(batch.gross[:, start:]), settlement)
    actual = batch.payouts[:, start:]
    seen = np.isfinite(actual)
    mean_fit = np.where(seen, fitted, 0.0).sum(axis=1) / np.maximum(seen.sum(axis=1), 1)
    rel = (actual - fitted) / np.where(mean_fit > 0, mean_fit, np.inf)[:, None]
    ok = settlement.learnt & (np.isfinite(rel).sum(axis=1) >= 30) & (mean_fit > 0)
    if ok.any():
        q = np.nanquantile(rel[ok], [0.1, 0.9], axis=1)
        lo[ok], hi[ok] = np.minimum(q[0], 0.0), np.maximum(q[1], 0.0)
    return lo, hi


def forecast_collections(
    batch: SeriesBatch, sales: SalesForecast, settlement: SettlementProfile, band_scale: float = BAND_SCALE
) -> CollectionForecast:
    """Collections over the sales forecast's horizon with a P10–P90 band."""
    c = collections_from_sales(batch.gross, sales.stacked(), settlement)
    c10, c50, c90, cmean = c[:, 0], c[:, 1], c[:, 2], c[:, 3]
    lo, hi = payout_spread(batch, settlement)
    # sales uncertainty and the settlement's day-to-day noise are independent: add in quadrature
    down = np.sqrt((c50 - c10) ** 2 + (lo[:, None] * c50) ** 2) * band_scale
    up = np.sqrt((c90 - c50) ** 2 + (hi[:, None] * c50) ** 2) * band_scale
    return CollectionForecast(np.maximum(c50 - down, 0.0), c50, c50 + up, cmean)


def term_total(c: CollectionForecast, term_days: np.ndarray, rho: float = TERM_RHO) -> np.ndarray:
    """P10, P50, P90 of total collections over days 1..term, (n, 3), yuan.

    Daily errors share a common part (the merchant's level for the period) with weight
    ``rho`` and are otherwise independent; rho is calibrated on the simulator.
    """
    inside = np.arange(c.p50.shape[1])[None, :] < np.asarray(term_days)[:, None]
    # a total over many days is near-symmetric: its median is the sum of daily means
    mid = (c.mean * inside).sum(axis=1)
    out = [mid]
    for edge in (c.p10, c.p90):
        d = (edge - c.p50) * inside
        spread = np.sqrt(rho * d.sum(axis=1) ** 2 + (1 - rho) * (d**2).sum(axis=1))
        out.append(mid + np.sign(d.sum(axis=1)) * spread)
    return np.stack([np.maximum(out[1], 0.0), out[0], out[2]], axis=1)
