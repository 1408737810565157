"""Train from the simulator or a loan book file, and register the result with a model card."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ruralcredit_scoring.model import card, drift, registry
from ruralcredit_scoring.model.crossfit import BookConfig, train_book
from ruralcredit_scoring.model.loanbook import FeatureSpec, LoanBookError, read_spec, read_table, spec_from_json
from ruralcredit_scoring.model.train import Log, TrainConfig, TrainResult, train

SIMULATED_POPULATION = "rural e-commerce merchants (the portfolio simulator)"
_SETTINGS = object()  # "the forecaster the service is configured with", read when a book is simulated


def spec_from_simulator(sim_spec: Mapping) -> FeatureSpec:
    """FeatureSpec from the simulator's spec dict (feature list, types and monotone directions)."""
    return spec_from_json({"true_pd": "true_pd", "population": SIMULATED_POPULATION, **sim_spec})


def simulated_book(n_loans: int, seed: int, progress: Log | None = None, forecast_model: str | None = None) -> tuple[pd.DataFrame, FeatureSpec]:
    """A loan book from the portfolio simulator, its features computed with the service's forecaster."""
    from ruralcredit_cashflow.model.simulated_loans import simulate_loan_book

    frame, sim_spec = simulate_loan_book(n_loans, seed, progress=progress, model_path=forecast_model)
    return frame, spec_from_simulator(sim_spec)


def train_simulated(
    n_loans: int = 20000, seed: int = 0, cfg: TrainConfig | None = None, log: Log = print,
    forecast_model: str | object | None = _SETTINGS,
) -> TrainResult:
    """Simulate a loan book and train on it (LightGBM, held-out test split: the service's own model)."""
    if forecast_model is _SETTINGS:
        from ruralcredit_scoring.settings import get_settings

        forecast_model = get_settings().forecast_model_path
    path = forecast_model if isinstance(forecast_model, str) else None
    log(f"simulating {n_loans} loans (seed {seed}; forecaster: {path or 'seasonal profile'})")
    frame, spec = simulated_book(n_loans, seed, progress=log, forecast_model=path)
    result = train(frame, spec, cfg or TrainConfig(seed=seed), log)
    result.source = f"portfolio simulator, {n_loans} loans, seed {seed}, forecaster {Path(path).name if path else 'seasonal profile'}"
    return result


def train_file(book: str | Path, spec: str | Path | FeatureSpec, cfg: BookConfig = BookConfig(), log: Log = print) -> TrainResult:
    """Train on a bank's own loan book (CSV or Parquet) with its JSON feature spec, using every loan."""
    fspec = spec if isinstance(spec, FeatureSpec) else read_spec(spec)
    frame = read_table(book)
    result = train_book(frame, fspec, cfg, log)
    result.source = f"loan book {Path(book).name}, {len(frame)} loans"
    return result


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
