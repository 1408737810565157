"""Seasonal profile of each merchant in a batch: level, weekly rhythm, yearly shape, festival lifts.

Shared by the seasonal model (used directly) and the global model (as features), so both
read a history the same way. All arrays are per merchant (n,) or per forecast day (n, H).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ruralcredit_cashflow.domain.series import SeriesBatch
from ruralcredit_common import calendar as cal

# Typical lift of each calendar event over a normal day, used until a merchant's own history
# has shown it (index = calendar.EVENTS code); PSEUDO_DAYS is how many seen days outweigh it.
DEFAULT_LIFT = np.array([1.0, 1.4, 0.45, 1.3, 2.5, 1.3, 3.5])
PSEUDO_DAYS = np.array([1.0, 6.0, 4.0, 6.0, 0.7, 6.0, 0.7])
LEVEL_DAYS = 28
WEEKLY_DAYS = 56
YEAR = 364  # whole weeks, so last year's day falls on the same weekday


@dataclass
class Profile:
    """What a history says about a merchant, plus the calendar of the forecast days."""

    level: np.ndarray  # (n,) normal-day sales now, yuan/day (event days excluded, spikes capped)
    weekly: np.ndarray  # (n, 7) weekly rhythm, mean 1
    lift: np.ndarray  # (n, len(EVENTS)) merchant's own festival lifts, shrunk to defaults
    lift_seen: np.ndarray  # (n, len(EVENTS)) raw lifts seen in history, NaN if never seen
    yearly: np.ndarray  # (n, H) last year's normal-day sales at that date ÷ a year ago's level
    resid_q: np.ndarray  # (n, 3) P10/P50/P90 of normal days' sales ÷ (level·weekly)
    history_days: np.ndarray  # (n,)
    zero_share: np.ndarray  # (n,) share of the last 56 days with no sale
    r7: np.ndarray  # (n,) last-7-day mean ÷ level
    r91: np.ndarray  # (n,) last-91-day mean ÷ level
    yoy: np.ndarray  # (n,) last 91 days ÷ same 91 days a year ago (NaN if unknown)
    harvest_ratio: np.ndarray  # (n, H) last year's mean on days in the same harvest windows ÷ year mean
    level_vs_year: np.ndarray  # (n,) level ÷ mean normal day of the last 365 days
    own_harvest: np.ndarray  # (n, H) 1 inside the merchant's category's harvest window, NaN if unknown
    own_harvest_now: np.ndarray  # (n,) the same flag on as_of
    target_day: np.ndarray  # (n, H) calendar day index of each forecast day
    event: np.ndarray  # (n, H) calendar event code of each forecast day
    dow: np.ndarray  # (n, H)

    def seasonal_shape(self) -> np.ndarray:
        """Multiplier of the level on each forecast day: weekly × yearly × festival lift."""
        w = np.take_along_axis(self.weekly, self.dow, axis=1)
        y = np.where(np.isfinite(self.yearly), self.yearly, 1.0)
        return w * y * np.take_along_axis(self.lift, self.event.astype(np.int64), axis=1)


def _rolling(x: np.ndarray, window: int, centered: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rolling nan-sum and count along axis 1."""
    v = np.nan_to_num(x)
    c = np.isfinite(x).astype(float)
    cs = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(v, axis=1)], axis=1)
    cc = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(c, axis=1)], axis=1)
    L = x.shape[1]
    hi = np.arange(L) + 1 + (window // 2 if centered else 0)
    lo = hi - window
    hi, lo = np.clip(hi, 0, L), np.clip(lo, 0, L)
    return cs[:, hi] - cs[:, lo], cc[:, hi] - cc[:, lo]


def _mean(x: np.ndarray, axis: int = 1) -> np.ndarray:
    c = np.isfinite(x).sum(axis=axis)
    return np.where(c > 0, np.nansum(x, axis=axis) / np.maximum(c, 1), np.nan)


def build(batch: SeriesBatch, horizon: int) -> Profile:
    """Read each history in ``batch`` and lay out ``horizon`` forecast days."""
    t = cal.feature_table()
    x = batch.gross
    n, L = x.shape
    ev_hist = t["event"][batch.column_days()]
    normal = np.where(ev_hist == 0, x, np.nan)
    # cap one-off spikes so a viral day does not lift the level for a month
    ref = _mean(normal[:, -WEEKLY_DAYS:])
    cap = 4.0 * np.where(np.isfinite(ref), ref, 0.0)[:, None]
    normal = np.where(normal > cap, cap, normal)

    level = _mean(normal[:, -LEVEL_DAYS:])
    fallback = _mean(normal[:, -365:])
    level = np.where(np.isfinite(level), level, np.nan_to_num(fallback))

    last = normal[:, -WEEKLY_DAYS:]
    dows = t["dow"][batch.column_days()[:, -WEEKLY_DAYS:]]
    overall = _mean(last)
    weekly = np.ones((n, 7))
    for d in range(7):
        m = _mean(np.where(dows == d, last, np.nan))
        seen = np.isfinite(np.where(dows == d, last, np.nan)).sum(axis=1)
        raw = np.where((overall > 0) & np.isfinite(m), m / np.where(overall > 0, overall, 1.0), 1.0)
        weekly[:, d] = 1.0 + (raw - 1.0) * seen / (seen + 1.0)  # a few weeks barely show a rhythm
    weekly /= weekly.mean(axis=1, keepdims=True)

    s, c = _rolling(normal, 29, centered=True)
    base = np.where(c >= 7, s / np.maximum(c, 1), np.nan)
    ratio = np.where(base > 0, x / np.where(base > 0, base, 1.0), np.nan)[:, -400:]
    ev_recent = ev_hist[:, -400:]
    n_ev = len(cal.EVENTS)
    lift_seen = np.full((n, n_ev), np.nan)
    lift = np.tile(DEFAULT_LIFT, (n, 1))
    for e in range(1, n_ev):
        r = np.where(ev_recent == e, ratio, np.nan)
        k = np.isfinite(r).sum(axis=1)
        lift_seen[:, e] = _mean(r)
        logm = np.log(np.clip(np.nan_to_num(lift_seen[:, e], nan=DEFAULT_LIFT[e]), 0.05, 20.0))
        lift[:, e] = np.exp((k * logm + PSEUDO_DAYS[e] * np.log(DEFAULT_LIFT[e])) / (k + PSEUDO_DAYS[e]))

    target = batch.end_index[:, None] + np.arange(1, horizon + 1)[None, :]
    ly_col = L - 1 + np.arange(1, horizon + 1) - YEAR
    ok = (ly_col >= 0) & (ly_col < L)
    ly_base = np.full((n, horizon), np.nan)
    ly_base[:, ok] = base[:, ly_col[ok]]
    ts, tc = _rolling(normal, LEVEL_DAYS, centered=False)
    a_year_ago = (
        np.where(tc[:, L - 1 - YEAR] >= 7, ts[:, L - 1 - YEAR] / np.maximum(tc[:, L - 1 - YEAR], 1), np.nan)
        if L > YEAR
        else np.full(n, np.nan)
    )
    yearly = np.clip(ly_base / np.where(a_year_ago > 0, a_year_ago, np.nan)[:, None], 0.02, 30.0)

    denom = level[:, None] * np.take_along_axis(weekly, dows, axis=1)
    resid = np.where(denom > 0, last / np.where(denom > 0, denom, 1.0), np.nan)
    with np.errstate(all="ignore"):
        q = np.nanquantile(np.where(np.isfinite(resid).any(axis=1, keepdims=True), resid, 1.0), [0.1, 0.5, 0.9], axis=1).T

    # which harvest windows a day falls in; averaging last year's days with the same windows
    # gives the seasonal shape without last year's day-to-day regime noise
    sig_hist = _signature(batch.column_days()[:, -365:])
    sig_target = _signature(target)
    year_normal = normal[:, -365:]
    year_mean = _mean(year_normal)
    harvest_ratio = np.full((n, horizon), np.nan)
    enough = (batch.history_days() >= 300) & (year_mean > 0)
    for code in np.unique(sig_target):
        m = _mean(np.where(sig_hist == code, year_normal, np.nan)) / np.where(year_mean > 0, year_mean, np.nan)
        harvest_ratio = np.where((sig_target == code) & enough[:, None], m[:, None], harvest_ratio)

    raw_last = x[:, -WEEKLY_DAYS:]
    l91 = _mean(x[:, -91:])
    ly91 = _mean(x[:, -YEAR - 91 : -YEAR]) if L > YEAR + 91 else np.full(n, np.nan)
    safe = np.where(level > 0, level, np.nan)
    return Profile(
        level=level,
        weekly=weekly,
        lift=lift,
        lift_seen=lift_seen,
        yearly=yearly,
        resid_q=q,
        history_days=batch.history_days(),
        zero_share=np.nan_to_num(_mean((raw_last == 0).astype(float) + np.where(np.isnan(raw_last), np.nan, 0.0)), nan=1.0),
        r7=_mean(x[:, -7:]) / safe,
        r91=l91 / safe,
        yoy=np.where(ly91 > 0, l91 / np.where(ly91 > 0, ly91, 1.0), np.nan),
        harvest_ratio=harvest_ratio,
        level_vs_year=np.where(year_mean > 0, level / np.where(year_mean > 0, year_mean, 1.0), np.nan),
        own_harvest=_own_harvest(batch.category, target),
        own_harvest_now=_own_harvest(batch.category, batch.end_index[:, None])[:, 0],
        target_day=target,
        event=t["event"][target],
        dow=t["dow"][target],
    )


def _signature(days: np.ndarray) -> np.ndarray:
    """Bit pattern of the harvest windows each calendar day falls in."""
    t = cal.feature_table()
    code = np.zeros(days.shape, dtype=np.int64)
    for bit, c in enumerate(cal.CATEGORIES):
        code |= (t[f"harvest_{c}"][days] > 0).astype(np.int64) << bit
    return code


def _own_harvest(category: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Harvest flag of each merchant's own category on ``days`` (n, k); NaN without a category."""
    t = cal.feature_table()
    flags = np.stack([t[f"harvest_{c}"] for c in cal.CATEGORIES])
    out = flags[np.clip(category, 0, None)[:, None], days]
    return np.where(category[:, None] >= 0, out, np.nan)
