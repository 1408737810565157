"""Logistic-regression scorecard baseline on standardised features, trained in the same run."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from ruralcredit_scoring.model.loanbook import FeatureSpec


def _winsorise(lo: np.ndarray, hi: np.ndarray) -> FunctionTransformer:
    # Scorecards cap extreme values so that one outlier cannot dominate a linear score.
    return FunctionTransformer(lambda x: np.clip(x, lo, hi))


def fit_scorecard(frame: pd.DataFrame, spec: FeatureSpec) -> Pipeline:
    """Standardised logistic regression (winsorised at the 1st/99th percentile, one-hot categoricals)."""
    nums = [f for f in spec.features if f not in spec.categoricals]
    x = frame[nums].to_numpy(dtype=float)
    lo, hi = np.nanpercentile(x, 1, axis=0), np.nanpercentile(x, 99, axis=0)
    num_pipe = make_pipeline(SimpleImputer(strategy="median"), _winsorise(lo, hi), StandardScaler())
    parts = [("num", num_pipe, nums)]
    if spec.categoricals:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), list(spec.categoricals)))
    model = Pipeline([("prep", ColumnTransformer(parts)), ("lr", LogisticRegression(C=1.0, max_iter=2000))])
    cats = {c: frame[c].astype(str) for c in spec.categoricals}
    return model.fit(frame[list(spec.features)].assign(**cats), frame[spec.target].to_numpy())


def predict_scorecard(model: Pipeline, frame: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """PD from the scorecard."""
    cats = {c: frame[c].astype(str) for c in spec.categoricals}
    return model.predict_proba(frame[list(spec.features)].assign(**cats))[:, 1]
