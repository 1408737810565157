"""Load a bank's own loan book (CSV or Parquet) with its feature spec, checking it can be learnt from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC, CATEGORICAL = "numeric", "categorical"


class LoanBookError(ValueError):
    """A loan book or spec that cannot be trained on; the message is one line."""


@dataclass(frozen=True)
class FeatureSpec:
    """Feature columns in model order, their types and monotone directions (+1 raises PD), and the target."""

    features: tuple[str, ...]
    target: str = "defaulted"
    monotone: Mapping[str, int] = field(default_factory=dict)
    categoricals: tuple[str, ...] = ()
    true_pd: str | None = None  # known only on simulated books
    min_defaults: int = 50

    def constraints(self) -> list[int]:
        """Monotone constraints in feature order, as LightGBM wants them."""
        return [int(self.monotone.get(f, 0)) for f in self.features]

    def to_json(self) -> dict:
        """The spec as the JSON spec file holds it."""
        cols = [
            {"name": f, "type": CATEGORICAL if f in self.categoricals else NUMERIC, "monotone": self.monotone.get(f, 0)}
            for f in self.features
        ]
        return {"target": self.target, "columns": cols, "true_pd": self.true_pd, "min_defaults": self.min_defaults}


TYPE_ALIASES = {"float": NUMERIC, "int": NUMERIC, "number": NUMERIC, "category": CATEGORICAL, "string": CATEGORICAL}


def _columns_from_lists(doc: Mapping) -> list[dict]:
    # The simulator's form: "features" in order, "types" and "monotone" keyed by name.
    types, mono = doc.get("types", {}), doc.get("monotone", {})
    return [{"name": f, "type": types.get(f, NUMERIC), "monotone": mono.get(f, 0)} for f in doc["features"]]


def spec_from_json(doc: Mapping) -> FeatureSpec:
    """Parse a spec: {"target", "columns": [{"name", "type", "monotone"}]} or the simulator's "features" form."""
    if "columns" not in doc and "features" in doc:
        doc = {**doc, "columns": _columns_from_lists(doc)}
    try:
        cols = doc["columns"]
        names = tuple(str(c["name"]) for c in cols)
        types = {c["name"]: TYPE_ALIASES.get(c.get("type", NUMERIC), c.get("type")) for c in cols}
        mono = {c["name"]: int(c.get("monotone", 0)) for c in cols}
    except (KeyError, TypeError) as e:
        raise LoanBookError(f"feature spec needs 'columns' of {{name, type, monotone}}: {e!r}") from None
    bad = {n: t for n, t in types.items() if t not in (NUMERIC, CATEGORICAL)}
    if bad:
        raise LoanBookError(f"unknown column types in spec: {bad} (use 'numeric' or 'categorical')")
    if any(v not in (-1, 0, 1) for v in mono.values()):
        raise LoanBookError("monotone directions must be -1, 0 or 1")
    cats = tuple(n for n in names if types[n] == CATEGORICAL)
    if any(mono[c] for c in cats):
        raise LoanBookError(f"categorical columns cannot be monotone: {[c for c in cats if mono[c]]}")
    if len(set(names)) != len(names) or not names:
        raise LoanBookError("spec columns must be non-empty and unique")
    return FeatureSpec(
        features=names,
        target=str(doc.get("target", "defaulted")),
        monotone=mono,
        categoricals=cats,
        true_pd=doc.get("true_pd"),
        min_defaults=int(doc.get("min_defaults", 50)),
    )


def read_spec(path: str | Path) -> FeatureSpec:
    """Read the JSON feature spec file."""
    try:
        return spec_from_json(json.loads(Path(path).read_text()))
    except FileNotFoundError:
        raise LoanBookError(f"feature spec not found: {path}") from None
    except json.JSONDecodeError as e:
        raise LoanBookError(f"feature spec is not valid JSON: {path}: {e.msg} at line {e.lineno}") from None


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet loan book."""
    p = Path(path)
    if not p.exists():
        raise LoanBookError(f"loan book not found: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(p)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
    except (ValueError, OSError) as e:  # the reader's own errors are long; one line is enough
        raise LoanBookError(f"cannot read loan book {p.name}: {type(e).__name__}: {str(e).splitlines()[0]}") from None
    raise LoanBookError(f"loan book must be .csv or .parquet, got {p.name}")


def validate(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Check columns, types and target; return the frame with model-ready dtypes."""
    needed = list(spec.features) + [spec.target] + ([spec.true_pd] if spec.true_pd else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise LoanBookError(f"loan book is missing columns: {', '.join(missing)}")
    out = frame[needed].copy()
    for c in spec.features:
        if c in spec.categoricals:
            out[c] = out[c].astype("string").astype("category")
            continue
        col = pd.to_numeric(out[c], errors="coerce")
        bad = out[c][col.isna() & out[c].notna()]
        if len(bad):
            raise LoanBookError(f"column {c} must be numeric; found {bad.iloc[0]!r} in {len(bad)} rows")
        out[c] = col.astype("float64")
    y = pd.to_numeric(out[spec.target], errors="coerce")
    if y.isna().any() or not set(np.unique(y)).issubset({0, 1}):
        raise LoanBookError(f"target {spec.target} must be 0/1 with no gaps")
    out[spec.target] = y.astype("int8")
    n_def = int(out[spec.target].sum())
    if n_def in (0, len(out)):
        raise LoanBookError(f"target {spec.target} is constant ({n_def} defaults in {len(out)} loans)")
    if n_def < spec.min_defaults or len(out) - n_def < spec.min_defaults:
        raise LoanBookError(
            f"too few defaults to learn from: {n_def} defaults, {len(out) - n_def} repaid, need {spec.min_defaults} of each"
        )
    return out


def load(book: str | Path, spec: str | Path | FeatureSpec) -> tuple[pd.DataFrame, FeatureSpec]:
    """Read and validate a loan book file with its spec."""
    s = spec if isinstance(spec, FeatureSpec) else read_spec(spec)
    return validate(read_table(book), s), s
