"""Train from the simulator or a loan book file, register with a model card, and the model commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ruralcredit_scoring.model import card, drift, registry
from ruralcredit_scoring.model.loanbook import FeatureSpec, LoanBookError, load, read_table, spec_from_json
from ruralcredit_scoring.model.train import DEFAULT_TRAIN, Log, TrainConfig, TrainResult, train

# The service's registry (SCORING_REGISTRY_DIR), so the commands and the service agree by default.
DEFAULT_REGISTRY = os.environ.get("SCORING_REGISTRY_DIR", "var/models")
# The forecaster whose features the service will see (SCORING_FORECAST_MODEL_PATH); none: the seasonal profile.
DEFAULT_FORECAST_MODEL = os.environ.get("SCORING_FORECAST_MODEL_PATH") or None


def spec_from_simulator(sim_spec: Mapping) -> FeatureSpec:
    """FeatureSpec from the simulator's spec dict (feature list, types and monotone directions)."""
    return spec_from_json({"true_pd": "true_pd", **sim_spec})


def simulated_book(n_loans: int, seed: int, progress: Log | None = None, forecast_model: str | None = None) -> tuple[pd.DataFrame, FeatureSpec]:
    """A loan book from the portfolio simulator, its features computed with the service's forecaster."""
    from ruralcredit_cashflow.loan_book import simulate_loan_book

    frame, sim_spec = simulate_loan_book(n_loans, seed, progress=progress, model_path=forecast_model)
    return frame, spec_from_simulator(sim_spec)


def train_simulated(
    n_loans: int = 20000, seed: int = 0, cfg: TrainConfig | None = None, log: Log = print,
    forecast_model: str | None = DEFAULT_FORECAST_MODEL,
) -> TrainResult:
    """Simulate a loan book and train on it."""
    log(f"simulating {n_loans} loans (seed {seed}; forecaster: {forecast_model or 'seasonal profile'})")
    frame, spec = simulated_book(n_loans, seed, progress=log, forecast_model=forecast_model)
    result = train(frame, spec, cfg or TrainConfig(seed=seed), log)
    result.source = f"portfolio simulator, {n_loans} loans, seed {seed}, forecaster {Path(forecast_model).name if forecast_model else 'seasonal profile'}"
    return result


def train_file(book: str | Path, spec: str | Path, cfg: TrainConfig = DEFAULT_TRAIN, log: Log = print) -> TrainResult:
    """Train on a bank's own loan book (CSV or Parquet) with its JSON feature spec."""
    frame, fspec = load(book, spec)
    result = train(frame, fspec, cfg, log)
    result.source = f"loan book {Path(book).name}"
    return result


def metadata(result: TrainResult) -> dict:
    """The metadata.json content for a training run (the registry adds versions, hashes and time)."""
    spec = result.spec
    return {
        "features": list(spec.features),
        "categories": result.categories,
        "monotone_constraints": spec.constraints(),
        "target": spec.target,
        "spec": spec.to_json(),
        "params": result.params,
        "metrics": result.metrics,
        "calibration": {"kind": result.calibrator.kind, "cv_log_loss": result.calibrator_scores},
        "calibration_table": result.calibration_table.to_dict(orient="records"),
        "data_fingerprint": result.fingerprint,
        "baseline_contrib": result.baseline_contrib,
        "feature_range": result.feature_range,
        "feature_median": result.feature_median,
        "importance": result.importance,
        "drift_reference": result.references,
        "source": result.source,
        "timings": result.timings,
    }


def register(result: TrainResult, reg: registry.Registry, promote: bool = False, with_card: bool = True) -> str:
    """Store a training run as a new version (with its model card) and optionally promote it."""
    files = {
        registry.BOOSTER: result.booster.model_to_string(),
        registry.CALIBRATOR: json.dumps(result.calibrator.to_json()),
    }
    version = reg.register(
        files, metadata(result), extra=(lambda d, v: card.write(result, d, v)) if with_card else None
    )
    if promote:
        reg.promote(version)
    return version


def drift_report(reg: registry.Registry, book: str | Path, date_col: str) -> pd.DataFrame:
    """Monthly PSI report of a file of applications, scored by the promoted model."""
    from ruralcredit_scoring.model.scorer import Scorer

    model = reg.load()
    frame = read_table(book)
    if date_col not in frame.columns:
        raise LoanBookError(f"{Path(book).name} has no date column {date_col}")
    frame["pd"] = Scorer(model).score_frame(frame)["pd"].to_numpy()
    return drift.monthly_report(model.metadata["drift_reference"], frame, date_col)


def main(argv: list[str] | None = None) -> int:
    """Model commands: train, list, promote, rollback, show, drift."""
    ap = argparse.ArgumentParser(prog="scoring-model", description=main.__doc__)
    ap.add_argument("--registry", default=DEFAULT_REGISTRY)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train and register a model")
    t.add_argument("--simulated", type=int, metavar="N_LOANS", help="train on N simulated loans")
    t.add_argument("--book", help="loan book CSV or Parquet")
    t.add_argument("--spec", help="feature spec JSON for --book")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--promote", action="store_true")
    sub.add_parser("list", help="list versions")
    p = sub.add_parser("promote", help="promote a version")
    p.add_argument("version")
    sub.add_parser("rollback", help="promote the previously promoted version again")
    s = sub.add_parser("show", help="print a version's metadata (the promoted one by default)")
    s.add_argument("version", nargs="?")
    d = sub.add_parser("drift", help="monthly PSI of score and features against the training sample")
    d.add_argument("book", help="CSV or Parquet of scored applications with feature columns")
    d.add_argument("--date-col", default="as_of")
    args = ap.parse_args(argv)
    reg = registry.Registry(args.registry)
    try:
        if args.cmd == "train":
            if args.book:
                if not args.spec:
                    ap.error("--book needs --spec")
                result = train_file(args.book, args.spec, TrainConfig(seed=args.seed))
            else:
                result = train_simulated(args.simulated or 20000, args.seed)
            version = register(result, reg, promote=args.promote)
            print(f"registered {version} in {reg.path(version)}" + (" (promoted)" if args.promote else ""))
        elif args.cmd == "list":
            for row in reg.list():
                mark = "*" if row["promoted"] else " "
                print(f"{mark} {row['version']}  {row['created_at']}  auc={row['auc']}  ece={row['ece']}")
        elif args.cmd == "promote":
            reg.promote(args.version)
            print(f"promoted {args.version}")
        elif args.cmd == "rollback":
            print(f"rolled back to {reg.rollback()}")
        elif args.cmd == "show":
            print(
                json.dumps(
                    {k: v for k, v in reg.load(args.version).metadata.items() if k != "drift_reference"}, indent=1
                )
            )
        elif args.cmd == "drift":
            print(drift_report(reg, args.book, args.date_col).to_string(index=False, float_format="%.4f"))
    except (LoanBookError, registry.ModelLoadError, registry.RegistryError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
