"""Train on a bank's own (small) loan book with every row: LightGBM and a WoE scorecard on the same
cross-validation folds, and their average (`blend`); the best of the three by cross-validated AUC is
the champion; out-of-fold calibration, then a refit of the champion on all rows.

No loans are set aside: the folds give early stopping, the calibration and the evidence for the
champion, and the model that is registered has seen every loan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ruralcredit_scoring.model import blend, calibration, evaluation, woe
from ruralcredit_scoring.model.loanbook import FeatureSpec, LoanBookError, categories_of, encode, validate
from ruralcredit_scoring.model.train import Log, TrainResult, fingerprint, profile

KINDS = ("lightgbm", "scorecard", "blend")


@dataclass(frozen=True)
class BookConfig:
    """Folds, the champion rule and the booster's fixed settings; its capacity follows the book's size."""

    seed: int = 0
    folds: int = 5
    champion: str = "best"  # "best" (by cross-validated AUC), or one of KINDS
    learning_rate: float = 0.05
    max_rounds: int = 2000
    early_stopping: int = 100
    # One thread: trees over a few thousand rows gain nothing from a second, and on a busy host
    # OpenMP threads waiting for a core made cross-validation 20-60 times slower (measured).
    threads: int = 1

    def params(self, n: int, spec: FeatureSpec) -> dict:
        """LightGBM parameters for a book of n loans: leaves and leaf sizes grow with the book."""
        min_leaf = int(np.clip(n // 100, 15, 100))
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": int(np.clip(round(np.sqrt(n) / 8), 4, 31)),
            "min_data_in_leaf": min_leaf,
            "min_data_per_group": min_leaf,
            "cat_smooth": 10.0,
            "max_cat_threshold": 8,
            "lambda_l2": 5.0,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "max_bin": 63,
            "monotone_constraints": spec.constraints(),
            "monotone_constraints_method": "advanced",
            "num_threads": self.threads,
            "seed": self.seed,
            "deterministic": True,
            "verbose": -1,
        }


def folds_of(y: np.ndarray, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds: (training rows, held-out rows) k times."""
    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def _dataset(x: np.ndarray, y: np.ndarray, spec: FeatureSpec) -> lgb.Dataset:
    cats = [spec.features.index(c) for c in spec.categoricals]
    return lgb.Dataset(x, y, feature_name=list(spec.features), categorical_feature=cats, free_raw_data=False)


def boost_cv(x: np.ndarray, y: np.ndarray, spec: FeatureSpec, folds: list, cfg: BookConfig) -> tuple[np.ndarray, int, dict]:
    """Out-of-fold raw scores of the booster, stopped early where the folds' mean log loss is lowest."""
    params = cfg.params(len(y), spec)
    out = lgb.cv(
        params, _dataset(x, y, spec), num_boost_round=cfg.max_rounds, folds=folds, seed=cfg.seed,
        callbacks=[lgb.early_stopping(cfg.early_stopping, verbose=False)], return_cvbooster=True,
    )
    cvb = out["cvbooster"]
    assert isinstance(cvb, lgb.CVBooster)  # return_cvbooster=True; lgb.cv types each value as a list or a CVBooster
    rounds = int(cvb.best_iteration)
    oof = np.empty(len(y))
    for (_, held), booster in zip(folds, cvb.boosters):
        oof[held] = booster.predict(x[held], num_iteration=rounds, raw_score=True)
    return oof, rounds, params


def scorecard_cv(frame: pd.DataFrame, x: np.ndarray, y: np.ndarray, spec: FeatureSpec, cats: dict, folds: list) -> np.ndarray:
    """Out-of-fold raw scores of the WoE scorecard, binned and fitted afresh on each fold."""
    oof = np.empty(len(y))
    for fit_rows, held in folds:
        card = woe.fit(frame.iloc[fit_rows], x[fit_rows], y[fit_rows], spec, cats)
        oof[held] = card.raw(x[held])
    return oof


def fold_aucs(y: np.ndarray, score: np.ndarray, folds: list) -> list[float]:
    """AUC on each fold's held-out loans."""
    return [float(roc_auc_score(y[held], score[held])) for _, held in folds]


def calibrated_oof(raw: np.ndarray, y: np.ndarray, folds: list, kind: str) -> np.ndarray:
    """Out-of-fold PDs: each fold calibrated by a calibrator fitted on the other folds' scores."""
    out = np.empty(len(y))
    for fit_rows, held in folds:
        out[held] = calibration.FITTERS[kind](raw[fit_rows], y[fit_rows])(raw[held])
    return out


def choose(aucs: dict[str, list[float]], told: str) -> dict:
    """The champion: the kind with the highest mean fold AUC, unless one was asked for; its margin and
    folds won are against the best of the others."""
    means = {k: float(np.mean(v)) for k, v in aucs.items()}
    kind = max(means, key=lambda k: means[k]) if told == "best" else told
    other = max((k for k in means if k != kind), key=lambda k: means[k])
    return {
        "kind": kind,
        "by": "cross-validated AUC" if told == "best" else f"asked for ({told})",
        "mean_auc": means,
        "fold_auc": aucs,
        "runner_up": other,
        "margin": means[kind] - means[other],
        "folds_won": int(sum(a > b for a, b in zip(aucs[kind], aucs[other]))),
    }


def train_book(frame: pd.DataFrame, spec: FeatureSpec, cfg: BookConfig = BookConfig(), log: Log = print) -> TrainResult:
    """Cross-validate the three kinds on the same folds, pick the champion, calibrate it out of fold, refit on every row."""
    if cfg.champion not in ("best", *KINDS):
        raise ValueError(f"champion must be one of best, {', '.join(KINDS)}; not {cfg.champion!r}")
    t0 = time.perf_counter()
    frame = validate(frame, spec).reset_index(drop=True)
    y = frame[spec.target].to_numpy()
    fewest = int(min(y.sum(), len(y) - y.sum()))
    if fewest < 5 * cfg.folds:
        raise LoanBookError(f"{fewest} loans of the rarer outcome are too few for {cfg.folds}-fold cross-validation: use fewer folds or a larger book")
    cats = categories_of(frame, spec)
    x = encode(frame, spec, cats)
    folds = folds_of(y, cfg.folds, cfg.seed)
    log(f"loans {len(frame)}: defaults {y.mean():.1%}; {cfg.folds}-fold cross-validation, LightGBM and a WoE scorecard on the same folds")
    raw: dict[str, np.ndarray] = {}
    raw["lightgbm"], rounds, params = boost_cv(x, y, spec, folds, cfg)
    t1 = time.perf_counter()
    log(f"LightGBM: {rounds} rounds of {params['num_leaves']} leaves (min {params['min_data_in_leaf']} loans a leaf), {t1 - t0:.1f}s")
    raw["scorecard"] = scorecard_cv(frame, x, y, spec, cats, folds)
    w = blend.weights(raw["lightgbm"], raw["scorecard"])
    raw["blend"] = w["lightgbm"] * raw["lightgbm"] + w["scorecard"] * raw["scorecard"]
    t2 = time.perf_counter()
    log(f"WoE scorecard on the same folds: {t2 - t1:.1f}s")
    champ = choose({k: fold_aucs(y, raw[k], folds) for k in KINDS}, cfg.champion)
    kind = champ["kind"]
    calibrator, cal_scores = calibration.choose(raw[kind], y, seed=cfg.seed)
    test = pd.DataFrame({"y": y, "raw": raw[kind]})
    test["pd"] = calibrated_oof(raw[kind], y, folds, calibrator.kind)
    for k in KINDS:
        test[k] = test["pd"] if k == kind else calibrated_oof(raw[k], y, folds, calibration.choose(raw[k], y, seed=cfg.seed)[0].kind)
    if spec.true_pd:
        test["oracle (true PD)"] = frame[spec.true_pd].to_numpy()
    results = {name: evaluation.evaluate(y, test[name]) for name in test.columns[3:]}
    log(_verdict(champ) + "\n" + evaluation.table(results))

    booster, card, contrib = None, None, np.zeros((len(y), len(spec.features) + 1))
    if kind in ("lightgbm", "blend"):
        booster = lgb.train(params, _dataset(x, y, spec), num_boost_round=rounds)
        contrib += np.asarray(booster.predict(x, pred_contrib=True)) * (w["lightgbm"] if kind == "blend" else 1.0)
    if kind in ("scorecard", "blend"):
        card = woe.fit(frame, x, y, spec, cats)
        contrib += card.contrib(x) * (w["scorecard"] if kind == "blend" else 1.0)
    # One measure for every kind: how far a feature moves a loan's log-odds from the average, on average.
    spread = np.abs(contrib[:, :-1] - contrib[:, :-1].mean(axis=0)).mean(axis=0)
    importance = dict(zip(spec.features, spread.round(4).tolist()))
    t3 = time.perf_counter()
    log(f"{kind} refitted on all {len(y)} loans: {t3 - t2:.1f}s")
    return TrainResult(
        booster=booster,
        calibrator=calibrator,
        spec=spec,
        params={**params, "num_boost_round": rounds, "book_config": cfg.__dict__} if booster else {"book_config": cfg.__dict__},
        categories=cats,
        metrics=results,
        calibration_table=evaluation.calibration_table(y, test["pd"].to_numpy()),
        calibrator_scores=cal_scores,
        test=test,
        importance=importance,
        **profile(x, calibrator(contrib.sum(axis=1)), contrib, spec),
        fingerprint=fingerprint(frame),
        timings={"lightgbm_cv_s": t1 - t0, "scorecard_cv_s": t2 - t1, "total_s": t3 - t0},
        kind=kind,
        scorecard=card,
        champion={**champ, "blend_weights": w} if kind == "blend" else champ,
        evaluation=f"out of fold ({cfg.folds}-fold cross-validation on every loan)",
        importance_kind="mean absolute contribution (log-odds)",
    )


def _verdict(champ: dict) -> str:
    means = ", ".join(f"{k} {v:.3f}" for k, v in champ["mean_auc"].items())
    return (
        f"cross-validated AUC: {means} -> {champ['kind']} ({champ['by']}, {champ['margin']:+.3f} against "
        f"{champ['runner_up']}, better on {champ['folds_won']} of {len(champ['fold_auc'][champ['kind']])} folds)"
    )
