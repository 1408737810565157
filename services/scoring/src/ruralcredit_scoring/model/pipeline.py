"""Train from a loan book file, and register the result with a model card."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ruralcredit_scoring.model import card, drift, registry
from ruralcredit_scoring.model.crossfit import BookConfig, train_book
from ruralcredit_scoring.model.loanbook import FeatureSpec, LoanBookError, read_spec, read_table
from ruralcredit_scoring.model.train import Log, TrainConfig, TrainResult, train

# A book this large trains the LightGBM model alone, its rounds chosen by cross-validation and its
# figures measured on held-out loans; below it, every loan is needed and the champion is chosen
# between LightGBM, the scorecard and their blend on the same folds (`crossfit`).
LARGE_BOOK = 50_000


def train_file(book: str | Path, spec: str | Path | FeatureSpec, cfg: BookConfig = BookConfig(), log: Log = print) -> TrainResult:
    """Train on a loan book (CSV or Parquet) with its JSON feature spec: a bank's own, or the simulated
    one that `ruralcredit cashflow loan-book` writes."""
    fspec = spec if isinstance(spec, FeatureSpec) else read_spec(spec)
    frame = read_table(book)
    result = train_frame(frame, fspec, cfg, log)
    result.source = f"loan book {Path(book).name}, {len(frame)} loans"
    return result


def train_frame(frame: pd.DataFrame, spec: FeatureSpec, cfg: BookConfig = BookConfig(), log: Log = print) -> TrainResult:
    """Train on a loan book already in memory, by the trainer its size calls for: what `train_file`
    does once the file is read, so a simulation of the bank trains its models as the bank would."""
    # A scorecard or a blend asked for by name is the cross-fitted trainer's to build, whatever the size.
    if len(frame) >= LARGE_BOOK and cfg.champion in ("best", "lightgbm"):
        log(f"{len(frame):,} loans: a large book, LightGBM with cross-validated rounds and a held-out test")
        return train(frame, spec, TrainConfig(seed=cfg.seed, folds=cfg.folds), log)
    return train_book(frame, spec, cfg, log)


def metadata(result: TrainResult) -> dict:
    """The metadata.json content for a training run (the registry adds versions, hashes and time)."""
    spec = result.spec
    return {
        "kind": result.kind,
        "features": list(spec.features),
        "categories": result.categories,
        "ordinals": {f: list(order) for f, order in spec.ordinals.items()},
        "monotone_constraints": spec.constraints(),
        "target": spec.target,
        "population": spec.population,
        "spec": spec.to_json(),
        "params": result.params,
        "evaluation": result.evaluation,
        "metrics": result.metrics,
        "champion": result.champion,
        **({"blend": result.champion["blend_weights"]} if result.kind == "blend" else {}),
        "calibration": {"kind": result.calibrator.kind, "cv_log_loss": result.calibrator_scores},
        "calibration_table": result.calibration_table.to_dict(orient="records"),
        "data_fingerprint": result.fingerprint,
        "baseline_contrib": result.baseline_contrib,
        "feature_range": result.feature_range,
        "feature_median": result.feature_median,
        "importance": result.importance,
        "importance_kind": result.importance_kind,
        "drift_reference": result.references,
        "source": result.source,
        "timings": result.timings,
    }


def artefacts(result: TrainResult) -> dict[str, str]:
    """The model's files as the registry stores them: booster text and/or scorecard JSON, and the calibrator."""
    files = {registry.CALIBRATOR: json.dumps(result.calibrator.to_json())}
    if result.scorecard is not None:
        files[registry.SCORECARD] = json.dumps(result.scorecard.to_json(result.categories), indent=1)
    if result.booster is not None:
        files[registry.BOOSTER] = result.booster.model_to_string()
    return files


def loaded(result: TrainResult, version: str = "unregistered") -> registry.LoadedModel:
    """The training run as the registry would load it, without writing it anywhere (benchmarks, checks)."""
    meta = json.loads(json.dumps(metadata(result), default=str))
    return registry.LoadedModel(version, result.booster, result.calibrator, meta, result.scorecard)


def register(result: TrainResult, reg: registry.Registry, promote: bool = False, with_card: bool = True) -> str:
    """Store a training run as a new version (with its model card) and optionally promote it."""
    version = reg.register(
        artefacts(result), metadata(result), extra=(lambda d, v: card.write(result, d, v)) if with_card else None
    )
    if promote:
        reg.promote(version)
    return version


def drift_report(reg: registry.Registry, book: str | Path, date_col: str) -> pd.DataFrame:
    """Monthly PSI report of a file of applications, scored by the promoted model."""
    from ruralcredit_scoring.model.predict import model_spec, prepared
    from ruralcredit_scoring.model.scorer import Scorer

    model = reg.load()
    scorer = Scorer(model)
    frame = read_table(book)
    if date_col not in frame.columns:
        raise LoanBookError(f"{Path(book).name} has no date column {date_col}; name it with --date-col")
    # Features as the model reads them (ordinals as ranks, categories as codes), as the reference was taken.
    feats = prepared(frame, model_spec(scorer, model.metadata), strict=False)
    x = scorer.matrix(feats)
    scored = pd.DataFrame({f: x[:, i] for i, f in enumerate(scorer.features) if f in feats.columns}, index=frame.index)
    scored[date_col] = frame[date_col]
    scored["pd"] = scorer.calibrator(scorer.predictor.raw(x))
    return drift.monthly_report(model.metadata["drift_reference"], scored, date_col)
