"""The seasonal cash gap: daily cash position from collections, account flows and a purchase plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np


@dataclass(frozen=True)
class PurchasePlan:
    """Produce bought up between ``first`` and ``last`` (inclusive), ``amount`` yuan spread evenly."""

    amount: float
    first: date
    last: date

    def daily(self, as_of: date, horizon: int) -> np.ndarray:
        """Outflow per forecast day (days 1..horizon after as_of), yuan."""
        if self.last < self.first:
            raise ValueError("purchase plan ends before it starts")
        out = np.zeros(horizon)
        days = (self.last - self.first).days + 1
        a = (self.first - as_of).days - 1
        idx = np.arange(a, a + days)
        ok = (idx >= 0) & (idx < horizon)
        out[idx[ok]] = self.amount / days
        return out


@dataclass(frozen=True)
class AccountFlows:
    """Other money in and out of the merchant's account per forecast day (days 1..n), yuan."""

    inflows: np.ndarray
    outflows: np.ndarray


@dataclass(frozen=True)
class CashGap:
    """Cash position over the horizon and what it implies for working capital (yuan)."""

    position: np.ndarray  # closing cash each forecast day, yuan
    lowest: float  # lowest closing cash, yuan
    lowest_date: date
    working_capital: float  # money needed up front so cash never goes below zero, yuan
    repay_date: date | None  # first day after the low when the position is back ≥ 0


def _fit(a, horizon: int) -> np.ndarray:
    v = np.zeros(horizon) if a is None else np.asarray(a, dtype=float)[:horizon]
    return np.pad(v, (0, horizon - len(v)))


def positions(
    collections: np.ndarray,
    inflows: np.ndarray,
    outflows: np.ndarray,
    opening: np.ndarray | float = 0.0,
    row_horizon: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised core over (n, H): positions, lowest, lowest day (0-based) and repay day (−1 if none).

    ``row_horizon`` limits each row to its first days (rows of a batch may have shorter horizons).
    """
    pos = np.asarray(opening, dtype=float).reshape(-1, 1) + np.cumsum(collections + inflows - outflows, axis=1)
    day = np.arange(pos.shape[1])[None, :]
    inside = np.ones(pos.shape, bool) if row_horizon is None else day < np.asarray(row_horizon)[:, None]
    low_day = np.where(inside, pos, np.inf).argmin(axis=1)
    lowest = pos[np.arange(len(pos)), low_day]
    after = (day > low_day[:, None]) & (pos >= 0) & inside
    repay = np.where(after.any(axis=1), after.argmax(axis=1), -1)
    repay = np.where(lowest >= 0, -1, repay)  # never short: nothing to borrow or repay
    return pos, lowest, low_day, repay


def cash_gap(
    collections: np.ndarray,
    as_of: date,
    *,
    flows: AccountFlows | None = None,
    plan: PurchasePlan | None = None,
    opening_balance: float = 0.0,
) -> CashGap:
    """Cash position for one merchant from daily collections (days 1..H after ``as_of``)."""
    h = len(collections)
    inflow = _fit(flows.inflows if flows else None, h)
    outflow = _fit(flows.outflows if flows else None, h) + (plan.daily(as_of, h) if plan else 0.0)
    pos, lowest, low_day, repay = positions(
        np.asarray(collections, float)[None, :], inflow[None, :], outflow[None, :], opening_balance
    )
    r = int(repay[0])
    return CashGap(
        position=pos[0],
        lowest=float(lowest[0]),
        lowest_date=as_of + timedelta(days=int(low_day[0]) + 1),
        working_capital=float(max(0.0, -lowest[0])),
        repay_date=None if r < 0 else as_of + timedelta(days=r + 1),
    )
