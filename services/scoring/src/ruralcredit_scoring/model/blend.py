"""The booster and the scorecard averaged: on a small book the two are often as good as each other,
and their average, which errs less where they disagree, is better than either.

The raw score is a weighted sum of the two raw scores (each weight is 1/2 over that model's spread of
out-of-fold scores, so each counts alike), and so is every feature's contribution: reasons and the
monotone directions carry over unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ruralcredit_scoring.model.predictor import Predictor
from ruralcredit_scoring.model.woe import Scorecard


def weights(raw_lightgbm: np.ndarray, raw_scorecard: np.ndarray) -> dict[str, float]:
    """Weights that give each model's scores the same spread."""
    return {"lightgbm": 0.5 / float(np.std(raw_lightgbm)), "scorecard": 0.5 / float(np.std(raw_scorecard))}


class Blend:
    """Weighted sum of a booster's and a scorecard's raw scores and contributions."""

    def __init__(self, booster: Predictor, scorecard: Scorecard, w: Mapping[str, float]) -> None:
        self.booster, self.scorecard = booster, scorecard
        self.a, self.b = float(w["lightgbm"]), float(w["scorecard"])

    def raw_one(self, row: np.ndarray) -> float:
        """The raw score of one row in model order."""
        return self.a * self.booster.raw_one(row) + self.b * self.scorecard.raw_one(row)

    def contrib_one(self, row: np.ndarray) -> np.ndarray:
        """Each feature's contribution for one row, then the expected value."""
        return self.a * self.booster.contrib_one(row) + self.b * self.scorecard.contrib_one(row)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores of many rows."""
        return self.a * self.booster.raw(x) + self.b * self.scorecard.raw(x)

    def contrib(self, x: np.ndarray) -> np.ndarray:
        """Contributions of many rows."""
        return self.a * self.booster.contrib(x) + self.b * self.scorecard.contrib(x)

    def used(self) -> list[str]:
        """Features either model uses."""
        both = set(self.booster.used()) | set(self.scorecard.used())
        return [f for f in self.scorecard.features if f in both]
