"""Load a bank's own loan book (CSV or Parquet) with its feature spec, checking it can be learnt from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ruralcredit_scoring.model.spec import (
    CATEGORICAL,
    NUMERIC,
    ORDINAL,
    FeatureSpec,
    LoanBookError,
    label,
    read_spec,
    spec_from_json,
)

__all__ = [
    "CATEGORICAL", "NUMERIC", "ORDINAL", "FeatureSpec", "LoanBookError", "categories_of", "encode", "load",
    "prepare_features", "read_spec", "read_table", "spec_from_json", "validate",
]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet loan book."""
    p = Path(path)
    if not p.exists():
        raise LoanBookError(f"loan book not found: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(p, low_memory=False)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
    except (ValueError, OSError) as e:  # the reader's own errors are long; one line is enough
        raise LoanBookError(f"cannot read loan book {p.name}: {type(e).__name__}: {str(e).splitlines()[0]}") from None
    raise LoanBookError(f"loan book must be .csv or .parquet, got {p.name}")


def found(values: pd.Series, limit: int = 4) -> str:
    """The distinct values of a column with their counts, most frequent first: 'a' (12), 'b' (3), …"""
    counts = values.value_counts(dropna=False)
    shown = ", ".join(f"{'empty' if label(v) is None else repr(label(v))} ({n})" for v, n in counts.head(limit).items())
    return shown + (f" and {len(counts) - limit} more" if len(counts) > limit else "")


def _labels(col: pd.Series, missing: frozenset[str]) -> pd.Series:
    out = col.map(label)
    return out.where(~out.isin(missing), None) if missing else out


def _numeric(name: str, col: pd.Series, missing: frozenset[str]) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col):
        out = col.astype("float64")
        # A sentinel such as 9999 for "not known" is listed under "missing" like any text marker.
        return out.mask(col.map(label).isin(missing)) if missing else out
    labels = _labels(col, missing)
    return _converted(
        labels, pd.to_numeric(labels, errors="coerce"),
        f"column {name} must be numeric but has text: <found>; list such values under \"missing\" in the spec, "
        "or make the column \"categorical\" or \"ordinal\"",
    )


def _ordinal(name: str, col: pd.Series, order: tuple[str, ...], missing: frozenset[str]) -> pd.Series:
    labels = _labels(col, missing)
    return _converted(
        labels, labels.map({v: float(i) for i, v in enumerate(order)}),
        f"column {name} has values outside its order {list(order)}: <found>; add them to \"order\" in their place, "
        "or list them under \"missing\"",
    )


def _converted(labels: pd.Series, values: pd.Series, complaint: str) -> pd.Series:
    """values as floats; a cell that has text but no value is an error: complaint, with the values found at <found>."""
    bad = labels[values.isna() & labels.notna()]
    if len(bad):
        raise LoanBookError(complaint.replace("<found>", found(bad)))
    return values.astype("float64")


def prepare_features(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The spec's feature columns, model-ready: numbers as floats, ordinals as their rank, categoricals as text."""
    missing_cols = [c for c in spec.features if c not in frame.columns]
    if missing_cols:
        have = ", ".join(map(str, frame.columns[:12])) + (", …" if len(frame.columns) > 12 else "")
        raise LoanBookError(
            f"loan book is missing columns: {', '.join(missing_cols)} (its columns are {have}); fix the names in the spec"
        )
    miss = frozenset(spec.missing)
    out = {}
    for c in spec.features:
        kind = spec.kind(c)
        if kind == CATEGORICAL:
            out[c] = _labels(frame[c], miss).astype("string").astype("category")
        elif kind == ORDINAL:
            out[c] = _ordinal(c, frame[c], spec.ordinals[c], miss)
        else:
            out[c] = _numeric(c, frame[c], miss)
    return pd.DataFrame(out, index=frame.index)


def target(frame: pd.DataFrame, spec: FeatureSpec) -> pd.Series:
    """The default flag (1 = defaulted) from the target column, by the spec's bad (and good) values."""
    if spec.target not in frame.columns:
        raise LoanBookError(f"loan book has no target column {spec.target}; name it with \"target\" in the spec")
    raw = frame[spec.target]
    labels = raw.map(label)
    if labels.isna().any():
        empty = np.flatnonzero(labels.isna().to_numpy()) + 1
        rows = ", ".join(map(str, empty[:3])) + (", …" if len(empty) > 3 else "")
        raise LoanBookError(
            f"target {spec.target} is empty in {len(empty)} loan{'s' if len(empty) > 1 else ''} (data row {rows}); "
            "fill them in or remove those loans"
        )
    if not spec.bad:
        as_number = labels.replace({"True": "1", "False": "0", "true": "1", "false": "0"})
        if set(as_number.unique()) <= {"0", "1"}:
            return (as_number == "1").astype("int8")
        guess = next((v for v in labels.unique() if v.lower() in ("bad", "default", "defaulted", "yes", "1")), labels.iloc[0])
        raise LoanBookError(
            f"target {spec.target} must be 0/1 or name its default value; found {found(raw)}: add \"bad\": \"{guess}\" to the spec"
        )
    bad = labels.isin(spec.bad)
    if not bad.any():
        raise LoanBookError(f"target {spec.target} has no loan with the bad value {list(spec.bad)}; found {found(raw)}: fix \"bad\" in the spec")
    others = labels[~bad]
    if spec.good:
        unknown = others[~others.isin(spec.good)]
        if len(unknown):
            raise LoanBookError(
                f"target {spec.target} has values that are neither bad {list(spec.bad)} nor good {list(spec.good)}: "
                f"{found(unknown)}; add them to \"bad\" or \"good\", or remove those loans"
            )
    elif others.nunique() > 1:
        raise LoanBookError(
            f"target {spec.target} has several values besides the bad {list(spec.bad)}: {found(others)}; name the repaid "
            "ones with \"good\": [...] and remove loans that are neither (still running, say)"
        )
    return bad.astype("int8")


def validate(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """Check columns, types and target; return features (model-ready), target (0/1) and the true PD if known."""
    out = prepare_features(frame, spec)
    out[spec.target] = target(frame, spec).to_numpy()
    if spec.true_pd:
        if spec.true_pd not in frame.columns:
            raise LoanBookError(f"loan book is missing columns: {spec.true_pd}")
        out[spec.true_pd] = frame[spec.true_pd].to_numpy(dtype=float)
    n_def = int(out[spec.target].sum())
    if n_def in (0, len(out)):
        raise LoanBookError(f"target {spec.target} is constant ({n_def} defaults in {len(out)} loans)")
    if n_def < spec.min_defaults or len(out) - n_def < spec.min_defaults:
        raise LoanBookError(
            f"too few defaults to learn from: {n_def} defaults, {len(out) - n_def} repaid, need {spec.min_defaults} of each"
        )
    return out


def categories_of(frame: pd.DataFrame, spec: FeatureSpec) -> dict[str, list[str]]:
    """Each categorical's values as the model numbers them (sorted text; missing is not a category)."""
    return {c: sorted(frame[c].dropna().astype(str).unique().tolist()) for c in spec.categoricals}


def encode(frame: pd.DataFrame, spec: FeatureSpec, categories: dict[str, list[str]]) -> np.ndarray:
    """Feature matrix in model order; categoricals as their code in the stored category list."""
    cols = []
    for f in spec.features:
        if f in categories:
            lookup = {c: i for i, c in enumerate(categories[f])}
            cols.append(frame[f].astype(str).map(lookup).astype(float).to_numpy())
        else:
            cols.append(frame[f].to_numpy(dtype=float))
    return np.column_stack(cols)


def load(book: str | Path, spec: str | Path | FeatureSpec) -> tuple[pd.DataFrame, FeatureSpec]:
    """Read and validate a loan book file with its spec."""
    s = spec if isinstance(spec, FeatureSpec) else read_spec(spec)
    return validate(read_table(book), s), s
