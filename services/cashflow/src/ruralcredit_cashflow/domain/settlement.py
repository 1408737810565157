"""Settlement profile: when and how much of a day's sales the platform pays out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ruralcredit_cashflow.domain.series import SeriesBatch

MAX_LAG = 35  # longest settlement lag considered, days
WINDOW = 180  # days of history used to learn the profile
MIN_PAYOUT_DAYS = 45  # fewer reported payout days than this: use the declared lag
DEFAULT_FEE = 0.02
DEFAULT_REFUND = 0.05


@dataclass
class SettlementProfile:
    """Per-merchant settlement behaviour, arrays over n merchants (n = 1 for one merchant)."""

    lag_pmf: np.ndarray  # (n, MAX_LAG + 1) share of a day's net sales paid after k days, sums to 1
    fee_rate: np.ndarray  # platform fee, share of gross sales
    refund_rate: np.ndarray  # refunds, share of gross sales
    regularity: np.ndarray  # share of the lag distribution on its modal day, 0–1; NaN if declared
    learnt: np.ndarray  # bool: learnt from reported payouts (else the declared lag)

    @property
    def net_rate(self) -> np.ndarray:
        """Share of gross sales that reaches the merchant."""
        return np.clip(1.0 - self.fee_rate - self.refund_rate, 0.0, 1.0)

    def row(self, i: int) -> SettlementProfile:
        """The profile of merchant ``i`` as a batch of one."""
        return SettlementProfile(
            *(getattr(self, k)[i : i + 1] for k in ("lag_pmf", "fee_rate", "refund_rate", "regularity", "learnt"))
        )


def declared(
    n: int, lag: int | np.ndarray = 15, fee_rate: float = DEFAULT_FEE, refund_rate: float = DEFAULT_REFUND
) -> SettlementProfile:
    """Profile of the platform's declared lag (default 15 days) for ``n`` merchants."""
    lags = np.broadcast_to(np.asarray(lag, dtype=int), (n,))
    if (lags < 0).any() or (lags > MAX_LAG).any():
        raise ValueError(f"settlement lag must be within 0..{MAX_LAG} days")
    pmf = np.zeros((n, MAX_LAG + 1))
    pmf[np.arange(n), lags] = 1.0
    return SettlementProfile(pmf, np.full(n, fee_rate), np.full(n, refund_rate), np.full(n, np.nan), np.zeros(n, bool))


def learn(batch: SeriesBatch, declared_lag: int | np.ndarray = 15, iterations: int = 8) -> SettlementProfile:
    """Learn lag distribution, fee and refund rates from reported payouts; fall back to the declared lag."""
    n = batch.n
    g = np.nan_to_num(batch.gross[:, -(WINDOW + MAX_LAG) :])
    p = batch.payouts[:, -WINDOW:]
    gross_sum = g[:, MAX_LAG:].sum(axis=1)
    refunds = np.nan_to_num(batch.refunds[:, -(WINDOW + MAX_LAG) :])
    refund_rate = np.where(gross_sum > 0, refunds[:, MAX_LAG:].sum(axis=1) / np.maximum(gross_sum, 1e-9), DEFAULT_REFUND)
    refund_rate = np.clip(refund_rate, 0.0, 0.9)
    out = declared(n, declared_lag)
    out.refund_rate = refund_rate
    ok = (np.isfinite(p).sum(axis=1) >= MIN_PAYOUT_DAYS) & (np.nansum(p, axis=1) > 0) & (gross_sum > 0)
    if not ok.any():
        return out
    # least squares payouts[t] ≈ Σ_k c_k · gross[t−k] with c ≥ 0, for all merchants at once
    idx = np.nonzero(ok)[0]
    pv, gv = np.nan_to_num(p[idx]), g[idx]
    # a spike day paid a few days late dominates least squares, so payout days that a
    # spike could reach are left out of the fit
    pos = np.where(gv > 0, gv, np.nan)
    med = np.nan_to_num(np.nanmedian(pos, axis=1), nan=0.0)
    spike = np.concatenate([np.zeros((len(idx), 1)), np.cumsum(gv > 4 * med[:, None], axis=1)], axis=1)
    reach = spike[:, MAX_LAG + 1 :] - spike[:, :WINDOW]
    mask = np.isfinite(p[idx]) & (reach[:, :WINDOW] == 0) if reach.shape[1] >= WINDOW else np.isfinite(p[idx])
    lagged = np.stack([gv[:, MAX_LAG - k : MAX_LAG - k + WINDOW] * mask for k in range(MAX_LAG + 1)], axis=1)
    gram = np.einsum("nkt,nlt->nkl", lagged, lagged)
    rhs = np.einsum("nkt,nt->nk", lagged, pv)
    # active-set rounds: solve, drop lags with negative weight, solve again
    ridge = (1e-6 * np.trace(gram, axis1=1, axis2=2)[:, None, None] + 1e-6) * np.eye(MAX_LAG + 1)
    active = np.ones((len(idx), MAX_LAG + 1), bool)
    for _ in range(iterations):
        a2 = active[:, :, None] & active[:, None, :]
        sys = np.where(a2, gram, 0.0) + ridge + np.where(active, 0.0, 1.0)[:, :, None] * np.eye(MAX_LAG + 1)
        c = np.linalg.solve(sys, np.where(active, rhs, 0.0)[:, :, None])[:, :, 0]
        neg = c < 0
        if not neg.any():
            break
        active &= ~neg
    c = np.maximum(c, 0.0)
    total = c.sum(axis=1)
    good = (total > 0.05) & (mask.sum(axis=1) >= MIN_PAYOUT_DAYS // 2)
    idx, c, total, pv, mask = idx[good], c[good], total[good], pv[good], mask[good]
    out.lag_pmf[idx] = c / total[:, None]
    pmf = out.lag_pmf[idx]
    # the net rate from totals, not from the fitted weights, which collinear days inflate
    paid = (pv * mask).sum(axis=1)
    owed = np.einsum("nk,nkt->n", pmf, lagged[good])
    out.fee_rate[idx] = np.clip(1.0 - refund_rate[idx] - paid / np.maximum(owed, 1e-9), 0.0, 0.5)
    out.regularity[idx] = pmf.max(axis=1)
    out.learnt[idx] = True
    return out


def collections_from_sales(past_gross: np.ndarray, future_sales: np.ndarray, profile: SettlementProfile) -> np.ndarray:
    """Daily collections over the horizon: each day's net sales paid out along the lag distribution.

    ``past_gross`` (n, ≥MAX_LAG) are the last known days, ``future_sales`` (n, [q,] H) forecast days.
    """
    past = np.nan_to_num(past_gross[:, -MAX_LAG:])
    squeeze = future_sales.ndim == 2
    fut = future_sales[:, None, :] if squeeze else future_sales
    n, q, H = fut.shape
    seq = np.concatenate([np.broadcast_to(past[:, None, :], (n, q, MAX_LAG)), fut], axis=2)
    seq = seq * profile.net_rate[:, None, None]
    out = np.zeros((n, q, H))
    for k in range(MAX_LAG + 1):
        w = profile.lag_pmf[:, k]
        if not w.any():
            continue
        out += w[:, None, None] * seq[:, :, MAX_LAG - k : MAX_LAG - k + H]
    return out[:, 0, :] if squeeze else out
