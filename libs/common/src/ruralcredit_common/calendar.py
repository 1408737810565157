"""Business calendar shared by the simulator and the forecaster.

Business days are Asia/Shanghai calendar days, represented as plain ``datetime.date``.
Every day is addressed by its *day index*: days since ``EPOCH`` (2010-01-01). Feature
arrays are precomputed once for 2010–2040 and looked up by index, so thousands of
merchants with different date ranges share one table.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = date(2010, 1, 1)
LAST_DAY = date(2040, 12, 31)

# Chinese New Year's Day (first day of the first lunar month), Gregorian date.
SPRING_FESTIVAL: dict[int, date] = {
    y: date(y, m, d)
    for y, (m, d) in {
        2010: (2, 14),
        2011: (2, 3),
        2012: (1, 23),
        2013: (2, 10),
        2014: (1, 31),
        2015: (2, 19),
        2016: (2, 8),
        2017: (1, 28),
        2018: (2, 16),
        2019: (2, 5),
        2020: (1, 25),
        2021: (2, 12),
        2022: (2, 1),
        2023: (1, 22),
        2024: (2, 10),
        2025: (1, 29),
        2026: (2, 17),
        2027: (2, 6),
        2028: (1, 26),
        2029: (2, 13),
        2030: (2, 3),
        2031: (1, 23),
        2032: (2, 11),
        2033: (1, 31),
        2034: (2, 19),
        2035: (2, 8),
        2036: (1, 28),
        2037: (2, 15),
        2038: (2, 4),
        2039: (1, 24),
        2040: (2, 12),
    }.items()
}

# Harvest windows per produce category: ((month, day) first, (month, day) last), inclusive.
# A window may wrap over New Year (citrus).
Produce = Literal["tea", "mango", "pear", "kiwi", "apple", "citrus", "honey"]
HARVEST_WINDOWS: dict[Produce, tuple[tuple[int, int], tuple[int, int]]] = {
    "tea": ((3, 1), (5, 31)),
    "mango": ((6, 1), (8, 31)),
    "pear": ((8, 1), (9, 30)),
    "kiwi": ((9, 1), (10, 31)),
    "apple": ((9, 15), (11, 30)),
    "citrus": ((11, 1), (1, 31)),
    "honey": ((4, 15), (6, 30)),
}
CATEGORIES: tuple[Produce, ...] = tuple(HARVEST_WINDOWS)

# Shopping-festival windows: pre-sale ramp days before the peak day.
PRESALE_618 = ((6, 1), (6, 17))
PEAK_618 = (6, 18)
PRESALE_1111 = ((10, 24), (11, 10))
PEAK_1111 = (11, 11)
SF_PEAK_DAYS = (-21, -4)  # offsets from New Year's Day when buying for the festival peaks
SF_SLUMP_DAYS = (-3, 9)  # couriers and buyers stop: sales slump

# Event codes used by forecasters to learn a merchant's own festival multipliers.
EVENTS: tuple[str, ...] = ("none", "sf_peak", "sf_slump", "pre618", "d618", "pre1111", "d1111")

FEATURE_NAMES: tuple[str, ...] = (
    "dow",
    "doy",
    "sf_offset",
    "sf_peak",
    "sf_slump",
    "ramp618",
    "d618",
    "ramp1111",
    "d1111",
    "event",
    *(f"harvest_{c}" for c in CATEGORIES),
)


def business_date(ts: datetime) -> date:
    """The Asia/Shanghai business day of a timezone-aware timestamp."""
    if ts.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return ts.astimezone(SHANGHAI).date()


def spring_festival(year: int) -> date:
    """Chinese New Year's Day of ``year`` (2010–2040)."""
    try:
        return SPRING_FESTIVAL[year]
    except KeyError:
        raise ValueError(f"no Spring Festival date for {year} (table covers 2010–2040)") from None


def day_index(d: date) -> int:
    """Days since EPOCH; the address of a day in the feature table."""
    return (d - EPOCH).days


def from_index(i: int) -> date:
    """Inverse of day_index."""
    return EPOCH + timedelta(days=int(i))


def date_range(start: date, n_days: int) -> list[date]:
    """``n_days`` consecutive business days from ``start``."""
    return [start + timedelta(days=k) for k in range(n_days)]


def _in_window(month: np.ndarray, day: np.ndarray, first: tuple[int, int], last: tuple[int, int]) -> np.ndarray:
    md = month * 100 + day
    lo, hi = first[0] * 100 + first[1], last[0] * 100 + last[1]
    return (md >= lo) & (md <= hi) if lo <= hi else (md >= lo) | (md <= hi)


def _ramp(month: np.ndarray, day: np.ndarray, first: tuple[int, int], last: tuple[int, int], year_days: np.ndarray) -> np.ndarray:
    """0 outside the window, rising linearly to 1 on its last day (pre-sale build-up)."""
    inside = _in_window(month, day, first, last)
    start = np.array([date(2001, *first).timetuple().tm_yday], dtype=float)
    end = np.array([date(2001, *last).timetuple().tm_yday], dtype=float)
    pos = (year_days - start + 1) / (end - start + 1)
    return np.where(inside, np.clip(pos, 0.0, 1.0), 0.0)


@lru_cache(maxsize=1)
def _table() -> dict[str, np.ndarray]:
    n = day_index(LAST_DAY) + 1
    days = np.datetime64(EPOCH) + np.arange(n)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (days - days.astype("datetime64[M]")).astype(int) + 1
    doy = (days - days.astype("datetime64[Y]")).astype(int) + 1
    sf_idx = np.array([day_index(SPRING_FESTIVAL[y]) for y in range(2010, 2041)])
    idx = np.arange(n)
    # offset to the nearest New Year's Day, so the pre-festival peak and slump align yearly
    pos = np.clip(np.searchsorted(sf_idx, idx), 1, len(sf_idx) - 1)
    before, after = idx - sf_idx[pos - 1], idx - sf_idx[pos]
    sf_off = np.where(np.abs(before) < np.abs(after), before, after)
    t: dict[str, np.ndarray] = {
        "dow": (idx + EPOCH.weekday()) % 7,
        "doy": doy,
        "sf_offset": np.clip(sf_off, -60, 60),
        "sf_peak": ((sf_off >= SF_PEAK_DAYS[0]) & (sf_off <= SF_PEAK_DAYS[1])).astype(float),
        "sf_slump": ((sf_off >= SF_SLUMP_DAYS[0]) & (sf_off <= SF_SLUMP_DAYS[1])).astype(float),
        "ramp618": _ramp(month, dom, *PRESALE_618, doy),
        "d618": ((month == PEAK_618[0]) & (dom == PEAK_618[1])).astype(float),
        "ramp1111": _ramp(month, dom, *PRESALE_1111, doy),
        "d1111": ((month == PEAK_1111[0]) & (dom == PEAK_1111[1])).astype(float),
    }
    for c, (first, last) in HARVEST_WINDOWS.items():
        t[f"harvest_{c}"] = _in_window(month, dom, first, last).astype(float)
    event = np.zeros(n, dtype=np.int8)
    for code, name in enumerate(EVENTS[1:], start=1):
        key = {"pre618": "ramp618", "pre1111": "ramp1111"}.get(name, name)
        event[t[key] > 0] = code
    t["event"] = event
    t["year"] = years
    for v in t.values():
        v.setflags(write=False)
    return t


def feature_table() -> dict[str, np.ndarray]:
    """Read-only calendar features for every day 2010–2040, indexed by day index."""
    return _table()


def calendar_features(start: date, n_days: int) -> dict[str, np.ndarray]:
    """Calendar feature arrays (FEATURE_NAMES) for ``n_days`` days from ``start``."""
    i0 = day_index(start)
    if i0 < 0 or i0 + n_days > day_index(LAST_DAY) + 1:
        raise ValueError("calendar covers 2010-01-01 to 2040-12-31")
    t = _table()
    return {k: t[k][i0 : i0 + n_days] for k in FEATURE_NAMES}
