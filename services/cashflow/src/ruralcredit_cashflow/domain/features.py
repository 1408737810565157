"""Credit features for the scorer: each defined once here, with its unit.

Every function works on a batch (arrays over n merchants); one merchant is a batch of one,
so the loan book and the service compute features with the same code.
"""

from __future__ import annotations

import numpy as np

from ruralcredit_cashflow.domain.forecast.profile import DEFAULT_LIFT as DEFAULT_EVENT_LIFT
from ruralcredit_cashflow.domain.series import SeriesBatch
from ruralcredit_common import calendar as cal

# name → (unit, definition). The scorer's feature spec and the docs are built from this.
FEATURES: dict[str, tuple[str, str]] = {
    "history_days": ("days", "days from the first reported sale to as_of, inclusive; capped at the 760-day window kept"),
    "sales_level": ("yuan/day", "mean daily gross sales over the last 90 days"),
    "growth": (
        "log ratio",
        "ln of last-91-day sales ÷ the same 91 days a year earlier (≥456 days of history), else ln of last 45 days ÷ the 45 before; 0 if undefined",
    ),
    "volatility": ("ratio", "coefficient of variation (sd ÷ mean) of daily gross sales over the last 90 days"),
    "weekly_volatility": ("log sd", "sd of week-on-week ln change of weekly sales over the last 26 weeks"),
    "seasonality_strength": ("ratio", "coefficient of variation of the 30-day block means over the last 360 days"),
    "peak_to_trough": ("ratio", "highest ÷ lowest 30-day block mean over the last 360 days (lowest floored at 1% of highest)"),
    "refund_rate": ("share", "refunds ÷ gross sales over the last 180 days"),
    "biggest_month_share": ("share", "share of the last 360 days' sales made in the biggest 30-day block"),
    "days_since_last_sale": ("days", "days from the last day with a sale to as_of (0 = sold on as_of)"),
    "zero_day_share": ("share", "share of the last 90 reported days with no sale"),
    "settlement_regularity": (
        "share",
        "share of the learnt settlement-lag distribution on its modal day; NaN when only the declared lag is known",
    ),
    "coverage_p10": ("ratio", "P10 of total forecast collections over the loan term ÷ repayment due"),
    "coverage_p50": (
        "ratio",
        "P50 of total forecast collections over the loan term (sum of daily expected collections) ÷ repayment due",
    ),
    "cash_gap": (
        "yuan",
        "working capital needed so the P50 cash position (collections, account flows, purchase plan) never goes below zero",
    ),
    "harvest_lift": (
        "log ratio",
        "ln of mean daily sales on days inside the merchant's own harvest window ÷ mean on days outside it, over the last 365 days (each side ≥14 reported days); 0 if unknown or no produce category",
    ),
    "recent_harvest_share": (
        "share",
        "share of the last 28 days inside the merchant's own harvest window (0 without a produce category)",
    ),
    "term_harvest_share": (
        "share",
        "share of the sales days still to come whose payouts land in the term (as_of+1 .. as_of+term−modal lag) inside the merchant's own harvest window; 0 without a produce category or when none",
    ),
    "coverage_harvest": (
        "ratio",
        "harvest-aware expected collections over the term ÷ repayment due: sales already made that the modal lag pays inside the term plus, for each later sales day paid inside it, the last BASE_DAYS' selling-day level (see selling_level) × (1 − zero_day_share) × the day's harvest multiplier (own lift shrunk to DEFAULT_HARVEST_LIFT) × the typical calendar-event lift; net of the refund rate",
    ),
    "loan_amount": ("yuan", "requested principal"),
    "term_days": ("days", "requested term"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)
DEFAULT_HARVEST_LIFT = 6.5  # median in-window ÷ out-of-window sales of sellers with a produce category and a year seen
HARVEST_PSEUDO_DAYS = 30.0  # reported days on each side of the window that outweigh the default
BASE_DAYS = 56  # days of recent history that set a merchant's current level for coverage_harvest
UNKNOWN_REGULARITY = 0.6  # typical learnt regularity; used until enough payouts are reported to learn it


def _mean(x: np.ndarray) -> np.ndarray:
    c = np.isfinite(x).sum(axis=1)
    return np.where(c > 0, np.nansum(x, axis=1) / np.maximum(c, 1), np.nan)


def _blocks(x: np.ndarray, days: int, block: int) -> np.ndarray:
    """Means of consecutive ``block``-day blocks over the last ``days`` (NaN if a block is unreported)."""
    tail = x[:, -days:]
    if tail.shape[1] < days:
        tail = np.concatenate([np.full((len(x), days - tail.shape[1]), np.nan), tail], axis=1)
    return _mean(tail.reshape(len(x) * (days // block), block)).reshape(len(x), days // block)


def history_features(batch: SeriesBatch) -> dict[str, np.ndarray]:
    """Features that depend only on the sales history."""
    g = batch.gross
    n, L = g.shape
    hist = batch.history_days()
    level90 = np.nan_to_num(_mean(g[:, -90:]))
    sd90 = np.nanstd(np.where(np.isfinite(g[:, -90:]), g[:, -90:], np.nan), axis=1) if n else np.zeros(0)

    l91, ly91 = _mean(g[:, -91:]), _mean(g[:, -364 - 91 : -364]) if L >= 455 else np.full(n, np.nan)
    l45, p45 = _mean(g[:, -45:]), _mean(g[:, -90:-45])
    yoy = np.log((l91 + 1.0) / (ly91 + 1.0))
    recent = np.log((l45 + 1.0) / (p45 + 1.0))
    growth = np.where(hist >= 456, yoy, np.where(hist >= 90, recent, 0.0))

    weeks = _blocks(g, 182, 7)
    wk = np.diff(np.log(weeks + 1.0), axis=1)
    weekly_vol = np.nan_to_num(np.nanstd(np.where(np.isfinite(wk).sum(1, keepdims=True) >= 2, wk, 0.0), axis=1))

    months = _blocks(g, 360, 30)
    m_seen = np.isfinite(months).sum(axis=1)
    m_mean = _mean(months)
    m_sd = np.nanstd(np.where(m_seen[:, None] >= 2, months, 0.0), axis=1)
    seas = np.where((m_seen >= 2) & (m_mean > 0), m_sd / np.where(m_mean > 0, m_mean, 1.0), 0.0)
    m_max = np.nan_to_num(np.nanmax(np.where(m_seen[:, None] > 0, months, 0.0), axis=1))
    m_min = np.nanmin(np.where(np.isfinite(months), months, np.inf), axis=1)
    ptt = np.where(m_max > 0, m_max / np.maximum(np.where(np.isfinite(m_min), m_min, 0.0), 0.01 * m_max), 1.0)
    m_tot = np.nansum(months, axis=1)
    biggest = np.where(m_tot > 0, m_max / np.where(m_tot > 0, m_tot, 1.0), 1.0)

    g180 = np.nansum(g[:, -180:], axis=1)
    refund = np.where(g180 > 0, np.nansum(batch.refunds[:, -180:], axis=1) / np.where(g180 > 0, g180, 1.0), 0.0)
    sold = np.nan_to_num(g) > 0
    last_sale = np.where(sold.any(axis=1), sold[:, ::-1].argmax(axis=1), hist)
    g90 = g[:, -90:]
    zero = _mean(np.where(np.isfinite(g90), (g90 == 0).astype(float), np.nan))

    own = _own_harvest(batch.category, batch.column_days())
    last365 = np.where(np.isfinite(g[:, -365:]), g[:, -365:], np.nan)
    h365 = own[:, -365:]
    inside, outside = np.where(h365 > 0, last365, np.nan), np.where(h365 == 0, last365, np.nan)
    n_in, n_out = np.isfinite(inside).sum(axis=1), np.isfinite(outside).sum(axis=1)
    m_in, m_out = _mean(inside), _mean(outside)
    seen = (n_in >= 14) & (n_out >= 14)
    lift = np.where(seen, np.log((np.nan_to_num(m_in) + 1.0) / (np.nan_to_num(m_out) + 1.0)), 0.0)

    return {
        "history_days": hist,
        "sales_level": level90,
        "growth": np.nan_to_num(growth),
        "volatility": np.where(level90 > 0, np.nan_to_num(sd90) / np.where(level90 > 0, level90, 1.0), 0.0),
        "weekly_volatility": weekly_vol,
        "seasonality_strength": seas,
        "peak_to_trough": np.minimum(ptt, 100.0),
        "refund_rate": np.clip(refund, 0.0, 1.0),
        "biggest_month_share": biggest,
        "days_since_last_sale": last_sale.astype(float),
        "zero_day_share": np.nan_to_num(zero, nan=1.0),
        "harvest_lift": lift,
        "recent_harvest_share": np.nan_to_num(own[:, -28:]).mean(axis=1) if L else np.zeros(n),
    }


def _own_harvest(category: np.ndarray, days: np.ndarray) -> np.ndarray:
    """1 where a calendar day index lies in the merchant's own category's harvest window, 0 outside, NaN without a category."""
    t = cal.feature_table()
    flags = np.stack([t[f"harvest_{c}"] for c in cal.CATEGORIES])
    out = flags[np.clip(category, 0, None)[:, None], np.clip(days, 0, flags.shape[1] - 1)]
    return np.where(np.asarray(category)[:, None] >= 0, out, np.nan)


def term_harvest_share(batch: SeriesBatch, term_days: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Share of future sales days paid out within the term that fall in the merchant's harvest window."""
    term = np.asarray(term_days, int)
    k = np.arange(1, int(term.max()) + 1)[None, :]
    last = term[:, None] - np.asarray(lag, int)[:, None]  # last sales day (after as_of) paid inside the term
    flag = np.nan_to_num(_own_harvest(batch.category, batch.end_index[:, None] + k))
    ins = k <= last
    cnt = ins.sum(axis=1)
    return np.where(cnt > 0, (flag * ins).sum(axis=1) / np.maximum(cnt, 1), 0.0)


def harvest_multiplier(batch: SeriesBatch, lift_log: np.ndarray) -> np.ndarray:
    """In-window ÷ out-of-window sales multiplier per merchant: the own lift (``harvest_lift``)
    shrunk to DEFAULT_HARVEST_LIFT by how many days inside and outside the window were seen; 1 without a category."""
    own = _own_harvest(batch.category, batch.column_days())[:, -365:]
    rep = np.isfinite(batch.gross[:, -365:])
    w = np.minimum((rep & (own > 0)).sum(axis=1), (rep & (own == 0)).sum(axis=1)).astype(float)
    log_r = (w * lift_log + HARVEST_PSEUDO_DAYS * np.log(DEFAULT_HARVEST_LIFT)) / (w + HARVEST_PSEUDO_DAYS)
    return np.where(batch.category >= 0, np.exp(log_r), 1.0)


def selling_level(batch: SeriesBatch, r: np.ndarray, days: int) -> np.ndarray:
    """Level of a selling, non-event, out-of-window day over the last ``days``, yuan/day.

    Event days are left out (all days in festival season, when fewer than 14 are normal), zero
    days too (closures and random zero days are counted by zero_day_share instead), one-off
    spikes capped at 4× the mean, and each day is divided by its harvest multiplier."""
    t = cal.feature_table()
    cols = batch.column_days()[:, -days:]
    raw = batch.gross[:, -days:]
    normal = np.where(t["event"][cols] == 0, raw, np.nan)
    x = np.where((np.isfinite(normal).sum(axis=1) >= 14)[:, None], normal, raw)
    x = np.where(x > 0, x, np.nan)
    x = np.minimum(x, 4.0 * np.nan_to_num(_mean(x))[:, None])
    shape = 1.0 + (r[:, None] - 1.0) * np.nan_to_num(_own_harvest(batch.category, cols))
    ok = np.isfinite(x)
    level = np.where(ok, x, 0.0).sum(axis=1) / np.maximum(np.where(ok, shape, 0.0).sum(axis=1), 1e-9)
    return np.where(ok.any(axis=1), level, 0.0)


def harvest_coverage(
    batch: SeriesBatch, term_days: np.ndarray, lag: np.ndarray, hist: dict[str, np.ndarray], due: np.ndarray
) -> np.ndarray:
    """``coverage_harvest`` (see FEATURES): a seasonality-aware expected-collections coverage."""
    g = np.nan_to_num(batch.gross)
    L = g.shape[1]
    term, lag = np.asarray(term_days, int), np.asarray(lag, int)
    k = np.arange(1, int(term.max()) + 1)[None, :]
    future = k <= (term - lag)[:, None]
    h = np.nan_to_num(_own_harvest(batch.category, batch.end_index[:, None] + k))
    r = harvest_multiplier(batch, hist["harvest_lift"])
    base = selling_level(batch, r, BASE_DAYS) * (1.0 - hist["zero_day_share"])
    t = cal.feature_table()
    lift = DEFAULT_EVENT_LIFT[t["event"][np.clip(batch.end_index[:, None] + k, 0, len(t["event"]) - 1)]]
    ahead = (base[:, None] * (1.0 + (r[:, None] - 1.0) * h) * lift * future).sum(axis=1)
    # sales already made that the lag pays inside the term: as_of − lag + 1 .. as_of − lag + term
    cols = np.arange(L)[None, :]
    first = L - lag[:, None]
    known = (g * ((cols >= first) & (cols < first + term[:, None]))).sum(axis=1)
    return (known + ahead) * (1.0 - hist["refund_rate"]) / np.asarray(due, float)


def coverage(collections: np.ndarray, term_days: np.ndarray, due: np.ndarray) -> np.ndarray:
    """Sum of daily collections over days 1..term ÷ repayment due, per merchant."""
    inside = np.arange(collections.shape[1])[None, :] < np.asarray(term_days)[:, None]
    return (collections * inside).sum(axis=1) / np.asarray(due, dtype=float)


def repayment_due(amount, term_days, annual_rate) -> np.ndarray:
    """Principal plus simple interest over the term, yuan."""
    return np.asarray(amount, float) * (1.0 + np.asarray(annual_rate, float) * np.asarray(term_days, float) / 365.0)
