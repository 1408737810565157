"""WoE logistic scorecard: optimal binning (optbinning) of each feature, a logistic regression on the
weights of evidence, and the resulting points table, which is all that serving needs.

The points table is plain JSON: the score of a loan is the intercept plus one number per feature
(its bin's points), in log-odds of default. Those numbers are the scorecard's own per-feature
contributions, so reasons come out of it exactly as they do from LightGBM's.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from ruralcredit_scoring.model.spec import FeatureSpec

TRENDS = {1: "ascending", -1: "descending"}  # of the default rate, as the value rises


@dataclass(frozen=True)
class Binned:
    """One feature's bins: numeric split points (a value v falls in bin bisect_right(splits, v)) or
    groups of category codes; the points of each bin and of a missing (or unseen) value."""

    splits: tuple[float, ...] = ()
    groups: tuple[tuple[int, ...], ...] = ()
    points: tuple[float, ...] = ()
    missing: float = 0.0
    # Each category code's bin, made once in __post_init__.
    _lookup: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {code: i for i, group in enumerate(self.groups) for code in group}
        object.__setattr__(self, "_lookup", lookup)

    def one(self, value: float) -> float:
        """Points of one value."""
        if math.isnan(value):
            return self.missing
        if self.groups:
            i = self._lookup.get(int(value)) if value.is_integer() else None
            return self.missing if i is None else self.points[i]
        return self.points[bisect.bisect_right(self.splits, value)]

    def many(self, values: np.ndarray) -> np.ndarray:
        """Points of a column of values."""
        out = np.full(len(values), self.missing)
        known = ~np.isnan(values)
        if self.groups:
            for i, group in enumerate(self.groups):
                out[known & np.isin(values, group)] = self.points[i]
            return out
        out[known] = np.asarray(self.points)[np.searchsorted(self.splits, values[known], side="right")]
        return out


@dataclass(frozen=True)
class Scorecard:
    """Points per bin of each feature; raw score (log-odds of default) = intercept + the points."""

    features: tuple[str, ...]
    bins: tuple[Binned, ...]
    intercept: float
    information_value: Mapping[str, float]

    def raw_one(self, row: np.ndarray) -> float:
        """The raw score of one row in model order."""
        return self.intercept + sum(b.one(float(v)) for b, v in zip(self.bins, row))

    def contrib_one(self, row: np.ndarray) -> np.ndarray:
        """Each feature's points for one row, then the intercept (as LightGBM's pred_contrib)."""
        return np.array([*(b.one(float(v)) for b, v in zip(self.bins, row)), self.intercept])

    def contrib(self, x: np.ndarray) -> np.ndarray:
        """Points of every row and feature, then the intercept column."""
        cols = [b.many(x[:, i]) for i, b in enumerate(self.bins)]
        return np.column_stack([*cols, np.full(len(x), self.intercept)])

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores of many rows."""
        return self.contrib(x).sum(axis=1)

    def used(self) -> list[str]:
        """Features whose points differ between bins: the only ones that can move a score."""
        return [f for f, b in zip(self.features, self.bins) if len(set(b.points) | {b.missing}) > 1]

    def to_json(self, categories: Mapping[str, Sequence[str]]) -> dict:
        """Plain JSON: categories by name, so that the file can be read by a person."""
        feats = []
        for f, b in zip(self.features, self.bins):
            doc: dict = {"name": f, "points": list(b.points), "missing": b.missing, "iv": self.information_value.get(f, 0.0)}
            if b.groups:
                doc["groups"] = [[categories[f][c] for c in g] for g in b.groups]
            else:
                doc["splits"] = list(b.splits)
            feats.append(doc)
        return {"intercept": self.intercept, "features": feats}

    @classmethod
    def from_json(cls, doc: Mapping, categories: Mapping[str, Sequence[str]]) -> Scorecard:
        """Inverse of to_json, with category names turned back into the codes the model matrix holds."""
        bins, iv = [], {}
        for f in doc["features"]:
            codes = {c: i for i, c in enumerate(categories.get(f["name"], ()))}
            groups = tuple(tuple(codes[c] for c in g if c in codes) for g in f.get("groups", ()))
            bins.append(Binned(tuple(f.get("splits", ())), groups, tuple(map(float, f["points"])), float(f["missing"])))
            iv[f["name"]] = float(f.get("iv", 0.0))
        return cls(tuple(f["name"] for f in doc["features"]), tuple(bins), float(doc["intercept"]), iv)


def _optimal_binning(name: str, categorical: bool, direction: int, min_bin_size: float):
    from optbinning import OptimalBinning  # training only: the service never imports it

    return OptimalBinning(
        name, dtype="categorical" if categorical else "numerical", min_bin_size=min_bin_size,
        monotonic_trend=TRENDS.get(direction, "auto"),
    )


def _woe_bins(optb, categories: Sequence[str] | None, min_missing: int) -> tuple[Binned, float]:
    """The bins of one fitted variable with their WoE as points (a scale of 1), and its information value."""
    table = optb.binning_table  # counts per bin, then the special and the missing values
    good, bad = np.asarray(table.n_nonevent, dtype=float), np.asarray(table.n_event, dtype=float)
    # Half a loan added to each count keeps the WoE of a bin without defaults finite.
    share_good, share_bad = (good + 0.5) / (good.sum() + 0.5), (bad + 0.5) / (bad.sum() + 0.5)
    woe = np.log(share_good / share_bad)  # evidence of good risk
    used = good + bad > 0
    iv = float(np.sum(((share_good - share_bad) * woe)[used]))
    n_bins = len(optb.splits) + (0 if categories is not None else 1)
    points = tuple(float(w) for w in woe[:n_bins])
    # A handful of missing values is no evidence: they get WoE 0, the portfolio's own odds.
    missing = float(woe[-1]) if good[-1] + bad[-1] >= min_missing else 0.0
    if categories is None:
        return Binned(splits=tuple(map(float, optb.splits)), points=points, missing=missing), iv
    codes = {c: i for i, c in enumerate(categories)}
    groups = tuple(tuple(codes[str(c)] for c in g if str(c) in codes) for g in optb.splits)
    return Binned(groups=groups, points=points, missing=missing), iv


def _scaled(b: Binned, by: float) -> Binned:
    return Binned(b.splits, b.groups, tuple(p * by for p in b.points), b.missing * by)


def fit(
    frame: pd.DataFrame, x: np.ndarray, y: np.ndarray, spec: FeatureSpec, categories: Mapping[str, Sequence[str]],
    c: float = 1.0, min_bin_size: float = 0.05,
) -> Scorecard:
    """Bin each feature (monotone where the spec says so), fit the regression on the WoE, keep features
    whose coefficient agrees with their own evidence, and return the points table.

    frame holds the model-ready features (categoricals as text), x the same rows in model order.
    """
    feats = list(spec.features)
    min_missing = max(20, int(0.01 * len(y)))
    tables, iv = [], {}
    for f in feats:
        is_cat = f in spec.categoricals
        values = frame[f].astype(object).where(frame[f].notna(), np.nan).to_numpy() if is_cat else frame[f].to_numpy(dtype=float)
        optb = _optimal_binning(f, is_cat, spec.monotone.get(f, 0), min_bin_size).fit(values, y)
        table, iv[f] = _woe_bins(optb, list(categories[f]) if is_cat else None, min_missing)
        tables.append(table)
    # The regression sees exactly the WoE that serving will compute from the tables.
    woe = np.column_stack([t.many(x[:, i]) for i, t in enumerate(tables)])
    keep = list(range(len(feats)))
    # The WoE is evidence of good risk, so a coefficient must be negative. A positive one reverses
    # the feature's own binning (collinearity at work): such features are dropped and the
    # regression refitted, as scorecard practice does.
    while True:
        lr = LogisticRegression(C=c, max_iter=2000).fit(woe[:, keep], y)
        wrong = [k for k, b in zip(keep, lr.coef_[0]) if b >= 0]
        if not wrong or len(wrong) == len(keep):
            break
        keep = [k for k in keep if k not in wrong]
    coef = {k: b for k, b in zip(keep, lr.coef_[0]) if b < 0}
    bins = tuple(_scaled(t, float(coef.get(i, 0.0))) for i, t in enumerate(tables))
    return Scorecard(tuple(feats), bins, float(lr.intercept_[0]), iv)
