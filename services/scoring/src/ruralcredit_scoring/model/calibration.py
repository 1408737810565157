"""Probability calibration of the booster's raw score: isotonic or Platt, chosen by measurement."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

EPS = 1e-6


@dataclass(frozen=True)
class Calibrator:
    """Maps the booster's raw log-odds to a calibrated PD; stored as plain JSON, no pickles."""

    kind: str  # "isotonic" or "platt"
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0
    # x and y as arrays, made once in __post_init__ for the vectorised call.
    _x: np.ndarray = field(init=False, repr=False, compare=False)
    _y: np.ndarray = field(init=False, repr=False, compare=False)

    def __call__(self, raw: np.ndarray | float) -> np.ndarray:
        """Calibrated PD for raw scores."""
        r = np.asarray(raw, dtype=float)
        if self.kind == "isotonic":
            # Linear between the steps keeps the PD continuous and still monotone in the score.
            return np.clip(np.interp(r, self._x, self._y), EPS, 1 - EPS)
        return np.clip(1.0 / (1.0 + np.exp(-(self.a * r + self.b))), EPS, 1 - EPS)

    def one(self, raw: float) -> float:
        """Calibrated PD of one raw score, the same number as `__call__` without numpy's per-call cost."""
        if math.isnan(raw):
            return math.nan
        if self.kind == "isotonic":
            x, y = self.x, self.y
            if raw <= x[0]:
                p = y[0]
            elif raw >= x[-1]:
                p = y[-1]
            else:
                j = bisect.bisect_right(x, raw) - 1
                # np.interp's own formula, so both give the same float.
                p = (y[j + 1] - y[j]) / (x[j + 1] - x[j]) * (raw - x[j]) + y[j]
        else:
            z = self.a * raw + self.b
            p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0  # math.exp overflows where np.exp gives inf
        return min(max(p, EPS), 1 - EPS)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_x", np.asarray(self.x, dtype=float))
        object.__setattr__(self, "_y", np.asarray(self.y, dtype=float))

    def to_json(self) -> dict:
        """Plain JSON form."""
        return {"kind": self.kind, "x": list(self.x), "y": list(self.y), "a": self.a, "b": self.b}

    @classmethod
    def from_json(cls, doc: dict) -> Calibrator:
        """Inverse of to_json."""
        if doc.get("kind") not in ("isotonic", "platt"):
            raise ValueError(f"unknown calibrator kind {doc.get('kind')!r}")
        cal = cls(doc["kind"], tuple(doc.get("x", ())), tuple(doc.get("y", ())), float(doc["a"]), float(doc["b"]))
        # The PD must rise with the booster's score: the remedy search and the monotone
        # constraints both rely on it.
        rising = cal.a > 0 if cal.kind == "platt" else (
            len(cal.x) > 0 and all(b >= a for a, b in zip(cal.x, cal.x[1:])) and all(b >= a for a, b in zip(cal.y, cal.y[1:]))
        )
        if not rising:
            raise ValueError("calibrator does not rise with the score")
        return cal


def fit_platt(raw: np.ndarray, y: np.ndarray) -> Calibrator:
    """Logistic fit of the default flag on the raw score."""
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
    return Calibrator("platt", a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))


def fit_isotonic(raw: np.ndarray, y: np.ndarray) -> Calibrator:
    """Monotone step fit of the default flag on the raw score."""
    iso = IsotonicRegression(out_of_bounds="clip", y_min=EPS, y_max=1 - EPS).fit(raw, y)
    return Calibrator("isotonic", tuple(map(float, iso.X_thresholds_)), tuple(map(float, iso.y_thresholds_)))


FITTERS: dict[str, Callable[[np.ndarray, np.ndarray], Calibrator]] = {"platt": fit_platt, "isotonic": fit_isotonic}


def choose(raw: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> tuple[Calibrator, dict[str, float]]:
    """Pick the calibrator with the lower cross-validated log loss on the calibration split, refit on all of it."""
    scores: dict[str, float] = {}
    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for name, fit in FITTERS.items():
        losses = []
        for tr, te in skf.split(raw, y):
            losses.append(log_loss(y[te], fit(raw[tr], y[tr])(raw[te]), labels=[0, 1]))
        scores[name] = float(np.mean(losses))
    best = min(scores, key=lambda k: scores[k])
    return FITTERS[best](raw, y), scores
