"""In-process scorer: feature mapping to calibrated PD, per-feature deltas, reasons and decision.

The model behind it is LightGBM (through the single-row fast path) or a WoE scorecard: both give a
raw score in log-odds and each feature's additive contribution to it, which is all the scorer uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from pandas import DataFrame  # for annotations inside Scorer, where `pd` names its PD method

from ruralcredit_scoring.domain import Application, Decision, ModelOutput, PolicyConfig, PricingConfig, decide
from ruralcredit_scoring.domain.config import DEFAULT_POLICY, DEFAULT_PRICING
from ruralcredit_scoring.domain.reasons import remedy_value, risk_direction
from ruralcredit_scoring.model.blend import Blend
from ruralcredit_scoring.model.predictor import Predictor
from ruralcredit_scoring.model.registry import LoadedModel
from ruralcredit_scoring.model.woe import Scorecard


def predictor_of(model: LoadedModel) -> Predictor | Scorecard | Blend:
    """What turns a row into a raw score and contributions: the booster, the scorecard or both averaged."""
    if model.scorecard is None:
        assert model.booster is not None  # a version holds a booster, a scorecard or both
        return Predictor(model.booster)
    if model.booster is None:
        return model.scorecard
    return Blend(Predictor(model.booster), model.scorecard, model.metadata["blend"])


class Scorer:
    """Scores with one loaded model version; immutable, so threads can share it."""

    def __init__(self, model: LoadedModel, pcfg: PolicyConfig = DEFAULT_POLICY, rcfg: PricingConfig = DEFAULT_PRICING):
        meta = model.metadata
        self.version = model.version
        self.kind = model.kind
        self.booster = model.booster
        self.predictor = predictor_of(model)
        self.calibrator = model.calibrator
        self.pcfg, self.rcfg = pcfg, rcfg
        self.features: list[str] = list(meta["features"])
        self.index = {f: i for i, f in enumerate(self.features)}
        self.categories: dict[str, dict[str, int]] = {
            f: {c: i for i, c in enumerate(cats)} for f, cats in meta.get("categories", {}).items()
        }
        # An ordinal given as text is its rank in the declared order; given as a number, the rank itself.
        self.levels: dict[str, dict[str, int]] = {
            f: {c: i for i, c in enumerate(order)} for f, order in meta.get("ordinals", {}).items()
        }
        self.monotone: dict[str, int] = dict(zip(self.features, meta.get("monotone_constraints", [])))
        self.range: dict[str, list[float]] = meta.get("feature_range", {})
        self.medians: dict[str, float] = meta.get("feature_median", {})
        self.baseline = np.array([meta["baseline_contrib"][f] for f in self.features])
        self.drift_reference: dict = meta.get("drift_reference", {})
        # Reasons only name features the model uses; the others cannot have moved the score.
        self.used = self.predictor.used()
        self.bands = np.array([b for _, b in pcfg.grade_bands])
        self.grade_names = np.array([g for g, _ in pcfg.grade_bands] + ["E"])

    def vector(self, features: Mapping[str, object]) -> np.ndarray:
        """One row in model order; absent features are missing (NaN), extra ones are ignored."""
        row = []
        for f in self.features:
            v = features.get(f)
            if v is None:
                row.append(math.nan)
            elif f in self.categories and not isinstance(v, float):
                row.append(float(self.categories[f].get(str(v), math.nan)))
            elif f in self.levels and isinstance(v, str):
                row.append(float(self.levels[f].get(v.strip(), math.nan)))
            else:
                row.append(float(v))  # type: ignore[arg-type]  # untyped JSON: float() itself refuses a non-number
        return np.array([row], dtype=float)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of a frame in model order, categoricals as codes."""
        cols = []
        for f in self.features:
            col = frame[f] if f in frame.columns else pd.Series(np.nan, index=frame.index)
            if f in self.categories and not pd.api.types.is_float_dtype(col):
                col = col.astype(str).map(self.categories[f])
            elif f in self.levels and not pd.api.types.is_numeric_dtype(col):
                col = col.map(lambda v, lv=self.levels[f]: lv.get(v.strip(), math.nan) if isinstance(v, str) else v)
            cols.append(col.to_numpy(dtype=float))
        return np.column_stack(cols)

    def pd(self, features: Mapping[str, object]) -> float:
        """Calibrated PD of one feature mapping."""
        return self.row_pd(self.vector(features)[0])

    def row_pd(self, row: np.ndarray) -> float:
        """Calibrated PD of one row already in model order."""
        return self.calibrator.one(self.predictor.raw_one(row))

    def explain(self, features: Mapping[str, object]) -> ModelOutput:
        """Calibrated PD and each feature's contribution (log-odds) minus its portfolio average."""
        contrib = self.predictor.contrib_one(self.vector(features)[0])
        p = self.calibrator.one(float(contrib.sum()))
        deltas = dict(zip(self.features, (contrib[:-1] - self.baseline).tolist()))
        return ModelOutput(p, deltas, self.used, self.version, self.medians)

    def remedy(self, features: Mapping[str, object]):
        """A function (feature, target PD, worsen) -> the value of that feature alone that would bring the PD to
        the target, or with worsen past it (how far a factor in the merchant's favour may slip)."""
        # Built on first use: only the reasons given are told what would change.
        cached: list[np.ndarray] = []

        def find(feature: str, target_pd: float, worsen: bool = False) -> float | None:
            if not cached:
                cached.append(self.vector(features)[0])
            base = cached[0]
            i = self.index.get(feature)
            # Along the model's constraint where it has one, else the catalogue's side of risk.
            direction = risk_direction(feature, self.monotone.get(feature, 0)) * (1 if worsen else -1)
            if i is None or direction == 0 or feature not in self.range or math.isnan(base[i]):
                return None
            lo, hi = self.range[feature]
            row = base.copy()

            def pd_at(value: float) -> float:
                row[i] = value
                return self.row_pd(row)

            value = remedy_value(float(base[i]), direction, hi if direction > 0 else lo, pd_at, target_pd, above=worsen)
            if value is not None and feature in self.levels:
                # An ordinal moves by whole levels: the next level at or past the value reaches the target too.
                value = float(math.ceil(value - 1e-9) if direction > 0 else math.floor(value + 1e-9))
            return value

        return find

    def decide(self, app: Application) -> Decision:
        """The full decision for one application, with reasons and, for refer/decline, what would change."""
        out = self.explain(app.features)
        return decide(app, out, pcfg=self.pcfg, rcfg=self.rcfg, remedy=self.remedy(app.features))

    def score_frame(self, frame: DataFrame) -> DataFrame:
        """Calibrated PD and grade for every row; no contributions, so it runs at predict speed."""
        p = self.calibrator(self.predictor.raw(self.matrix(frame)))
        return pd.DataFrame(
            {"pd": p, "grade": self.grade_names[np.searchsorted(self.bands, p, side="left")]}, index=frame.index
        )

    def explain_frame(self, frame: DataFrame) -> np.ndarray:
        """Per-feature deltas against the portfolio baseline for the rows that need reasons."""
        return self.predictor.contrib(self.matrix(frame))[:, :-1] - self.baseline
