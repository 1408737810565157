"""Score a whole loan book with a registered model: PD, grade, the reasons and what would have to change,
one row per loan, worded with the book's own values (for back-testing and portfolio reviews)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ruralcredit_scoring.domain import grades
from ruralcredit_scoring.domain.reasons import fmt
from ruralcredit_scoring.model.loanbook import FeatureSpec, prepare_features, spec_from_json
from ruralcredit_scoring.model.scorer import Scorer
from ruralcredit_scoring.model.spec import label

MIN_DELTA = 0.02  # log-odds: below this a feature did not raise the risk enough to be named


def model_spec(scorer: Scorer, meta: dict) -> FeatureSpec:
    """The spec the model was trained with."""
    return spec_from_json(meta["spec"]) if "spec" in meta else FeatureSpec(features=tuple(scorer.features))


def prepared(frame: pd.DataFrame, spec: FeatureSpec, strict: bool = True) -> pd.DataFrame:
    """The book's features as the model reads them; not strict: columns the file lacks are left out."""
    if not strict:
        spec = dataclasses.replace(spec, features=tuple(f for f in spec.features if f in frame.columns))
    return prepare_features(frame, spec)


def _shown(scorer: Scorer, spec: FeatureSpec, feature: str, value: float) -> str:
    if np.isnan(value):
        return "missing"
    if feature in scorer.categories:
        names = list(scorer.categories[feature])
        return names[int(value)] if 0 <= value < len(names) else "unseen"
    if feature in spec.ordinals:
        return spec.ordinals[feature][int(value)]
    return f"{int(value):,}" if float(value).is_integer() else fmt(float(value))


def _ranked(scorer: Scorer, x: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    deltas = scorer.predictor.contrib(x)[:, :-1] - scorer.baseline
    used = np.isin(scorer.features, scorer.used)
    masked = np.where(used[None, :] & (deltas > MIN_DELTA), deltas, -np.inf)
    order = np.argsort(-masked, axis=1, kind="stable")[:, :n]
    return order, np.take_along_axis(masked, order, axis=1)


def predict_book(scorer: Scorer, frame: pd.DataFrame, spec: FeatureSpec, n_reasons: int = 3) -> pd.DataFrame:
    """One row per loan: id, the outcome if the book has it, PD, grade, reasons and what would change."""
    feats = prepared(frame, spec)
    x = scorer.matrix(feats)
    scored = scorer.score_frame(feats)
    out = pd.DataFrame(index=frame.index)
    if spec.id_column and spec.id_column in frame.columns:
        out[spec.id_column] = frame[spec.id_column]
    else:
        out["row"] = np.arange(1, len(frame) + 1)
    if spec.target in frame.columns:
        out[spec.target] = frame[spec.target]
    out["pd"] = scored["pd"].round(6)
    out["grade"] = scored["grade"]
    order, strength = _ranked(scorer, x, n_reasons)
    for k in range(n_reasons):
        out[f"reason_{k + 1}"] = [
            f"{scorer.features[j]}: {_shown(scorer, spec, scorer.features[j], x[i, j])}" if np.isfinite(s) else ""
            for i, (j, s) in enumerate(zip(order[:, k], strength[:, k]))
        ]
    out["to_improve"] = [
        _improvement(scorer, spec, frame.iloc[i], feats.iloc[i], g, order[i], strength[i])
        for i, g in enumerate(scored["grade"])
    ]
    return out


def _improvement(
    scorer: Scorer, spec: FeatureSpec, raw: pd.Series, row: pd.Series, grade: str, order: np.ndarray, strength: np.ndarray
) -> str:
    """The first reason whose feature alone, moved in its risk-lowering direction, reaches the next better grade."""
    better = grades.next_better(grade, scorer.pcfg.grade_bands)
    if better is None:
        return ""
    remedy = scorer.remedy({str(k): v for k, v in row.items()})
    for j, s in zip(order, strength):
        feature = scorer.features[j]
        value = remedy(feature, better[1]) if np.isfinite(s) else None
        if value is not None:
            was = label(raw[feature]) or "missing"
            return f"{feature} {was} -> {_shown(scorer, spec, feature, value)} would reach grade {better[0]}"
    return ""
