"""A merchant's daily series and the right-aligned batch the forecasters work on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from ruralcredit_common import calendar as cal


@dataclass(frozen=True)
class DailySeries:
    """Consecutive business days from ``start``; amounts in yuan, NaN = nothing reported that day."""

    start: date
    gross: np.ndarray  # gross sales
    refunds: np.ndarray  # refunds booked that day
    payouts: np.ndarray  # platform payouts received that day (NaN if the platform reports none)
    category: str | None = None  # main produce category (calendar.CATEGORIES) from its orders, if any

    def __post_init__(self) -> None:
        if self.category is not None and self.category not in cal.CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}; known: {', '.join(cal.CATEGORIES)}")
        n = len(self.gross)
        for name in ("gross", "refunds", "payouts"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != (n,):
                raise ValueError(f"{name} must be a 1-d array of length {n}")
            object.__setattr__(self, name, arr)

    @classmethod
    def from_sales(cls, start: date, gross, refunds=None, payouts=None, category: str | None = None) -> DailySeries:
        """Build a series; missing refunds are taken as zero and missing payouts as unreported."""
        g = np.asarray(gross, dtype=float)
        r = np.zeros_like(g) if refunds is None else np.asarray(refunds, dtype=float)
        p = np.full_like(g, np.nan) if payouts is None else np.asarray(payouts, dtype=float)
        return cls(start, g, r, p, category)

    @property
    def n_days(self) -> int:
        """Number of days covered."""
        return len(self.gross)

    @property
    def end(self) -> date:
        """Last day covered."""
        return self.start + timedelta(days=self.n_days - 1)

    def dates(self) -> list[date]:
        """The business days covered."""
        return cal.date_range(self.start, self.n_days)

    def until(self, as_of: date) -> DailySeries:
        """The series cut after ``as_of`` (what was known that evening)."""
        k = (as_of - self.start).days + 1
        if k <= 0:
            raise ValueError("as_of precedes the series")
        return DailySeries(self.start, self.gross[:k], self.refunds[:k], self.payouts[:k], self.category)


@dataclass
class SeriesBatch:
    """Histories right-aligned on their last day: arrays (n, length), NaN where no data."""

    gross: np.ndarray
    refunds: np.ndarray
    payouts: np.ndarray
    end_index: np.ndarray  # calendar day index of each row's last column
    category: np.ndarray  # index into calendar.CATEGORIES, −1 if unknown

    @property
    def n(self) -> int:
        """Number of merchants."""
        return self.gross.shape[0]

    @property
    def length(self) -> int:
        """Columns per row."""
        return self.gross.shape[1]

    def column_days(self) -> np.ndarray:
        """Calendar day index of every cell, (n, length)."""
        return self.end_index[:, None] - np.arange(self.length)[::-1][None, :]

    def history_days(self) -> np.ndarray:
        """Days since the first reported sale, inclusive."""
        seen = ~np.isnan(self.gross)
        first = np.where(seen.any(axis=1), seen.argmax(axis=1), self.length)
        return (self.length - first).astype(float)


def stack(histories: list[DailySeries], as_of: list[date] | date, length: int = 760) -> SeriesBatch:
    """Right-align histories cut at ``as_of`` into a batch of ``length`` days (older days dropped)."""
    as_of_list = as_of if isinstance(as_of, list) else [as_of] * len(histories)
    out = {k: np.full((len(histories), length), np.nan) for k in ("gross", "refunds", "payouts")}
    ends = np.empty(len(histories), dtype=np.int64)
    for i, (h, d) in enumerate(zip(histories, as_of_list, strict=True)):
        if d < h.start:
            raise ValueError("as_of precedes the series")
        lag = (d - h.end).days  # days after the last reported one count as unreported
        cut = h.until(min(d, h.end))
        for k in out:
            v = getattr(cut, k)[-length:]
            right = length - max(lag, 0)
            if right <= 0:
                continue
            v = v[-right:]
            out[k][i, right - len(v) : right] = v
        ends[i] = cal.day_index(d)
    cats = np.array([cal.CATEGORIES.index(h.category) if h.category else -1 for h in histories], dtype=np.int64)
    return SeriesBatch(out["gross"], out["refunds"], out["payouts"], ends, cats)


def batch_from_arrays(
    gross: npt.ArrayLike, refunds: npt.ArrayLike, payouts: npt.ArrayLike, end_index: npt.ArrayLike, category: npt.ArrayLike | None = None
) -> SeriesBatch:
    """A batch from already right-aligned arrays (used for simulated panels)."""
    sold = np.asarray(gross, float)
    cat = np.full(sold.shape[0], -1, dtype=np.int64) if category is None else np.asarray(category, np.int64)
    return SeriesBatch(sold, np.asarray(refunds, float), np.asarray(payouts, float), np.asarray(end_index, np.int64), cat)
