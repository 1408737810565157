"""Model card: markdown with ROC, calibration, score distribution and feature importance plots."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # cards are written by servers and CI, where no display exists

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_curve

from ruralcredit_scoring.model import metrics
from ruralcredit_scoring.model.train import TrainResult, n_leaves

PLOTS = ("roc.png", "calibration.png", "score_distribution.png", "feature_importance.png")


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plots(result: TrainResult, out: Path) -> None:
    """Write the four PNG plots into out."""
    t = result.test
    scores = {"lightgbm": t["pd"], "scorecard": t["scorecard_pd"]}
    if "true_pd" in t:
        scores["oracle (true PD)"] = t["true_pd"]
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, p in scores.items():
        fpr, tpr, _ = roc_curve(t["y"], p)
        ax.plot(fpr, tpr, label=f"{name} AUC {result.metrics[name]['auc']:.3f}")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (test split)")
    ax.legend(loc="lower right")
    _save(fig, out / "roc.png")

    fig, ax = plt.subplots(figsize=(5, 5))
    for name, p in scores.items():
        tab = metrics.calibration_table(t["y"].to_numpy(), np.asarray(p))
        ax.plot(tab["mean_pd"], tab["default_rate"], "o-", label=name)
    top = float(max(t["pd"].max(), 0.05))
    ax.plot([0, top], [0, top], "k:", lw=0.8)
    ax.set(xlabel="predicted PD", ylabel="observed default rate", title="Calibration (10 equal-count bins)")
    ax.legend()
    _save(fig, out / "calibration.png")

    fig, ax = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0, float(np.quantile(t["pd"], 0.995)), 40)
    ax.hist(t.loc[t["y"] == 0, "pd"], bins=bins, alpha=0.6, density=True, label="repaid")
    ax.hist(t.loc[t["y"] == 1, "pd"], bins=bins, alpha=0.6, density=True, label="defaulted")
    ax.set(xlabel="calibrated PD", ylabel="density", title="Score distribution (test split)")
    ax.legend()
    _save(fig, out / "score_distribution.png")

    imp = sorted(result.importance.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(imp) + 1.2))
    ax.barh([k for k, _ in imp], [v for _, v in imp])
    ax.set(xlabel="total gain", title="Feature importance")
    _save(fig, out / "feature_importance.png")


def markdown(result: TrainResult, version: str = "unregistered") -> str:
    """The model card text."""
    spec, m = result.spec, result.metrics
    rows = "\n".join(
        f"| {name} | {v['auc']:.4f} | {v['ks']:.4f} | {v['brier']:.4f} | {v['ece']:.4f} | {v['mean_pd']:.4f} |"
        for name, v in m.items()
    )
    feats = "\n".join(
        f"| {f} | {'categorical' if f in spec.categoricals else 'numeric'} | {_direction(spec.monotone.get(f, 0))} "
        f"| {result.importance.get(f, 0):.1f} |"
        for f in spec.features
    )
    cal = (
        result.calibration_table.to_markdown(index=False, floatfmt=".4f")
        if _has_tabulate()
        else (result.calibration_table.to_string(index=False))
    )
    return f"""# Model card: PD model {version}

Calibrated probability of default over the loan's term for rural e-commerce merchants.

- Source: {result.source or "loan book"}; data fingerprint (sha256) `{result.fingerprint}`
- Test split: {m["lightgbm"]["n"]} loans, default rate {m["lightgbm"]["default_rate"]:.2%}
- Booster: {result.booster.num_trees()} trees, {n_leaves(result.booster)} leaves, monotone constraints
- Calibration: {result.calibrator.kind} (5-fold log loss on the calibration split: {result.calibrator_scores})
- Training time: {result.timings.get("total_s", float("nan")):.1f} s

## Test metrics

| model | AUC | KS | Brier | ECE | mean PD |
| --- | --- | --- | --- | --- | --- |
{rows}

## Features (order as the model expects them; +1 = a higher value raises PD)

| feature | type | monotone | gain |
| --- | --- | --- | --- |
{feats}

## Calibration table (test split)

```
{cal}
```

## Plots

![ROC](roc.png) ![Calibration](calibration.png)
![Score distribution](score_distribution.png) ![Feature importance](feature_importance.png)

## Limits

PD is for the term and population of the training loans; drift (PSI) against the training sample is
stored in the metadata and must be watched. Reasons come from per-feature contributions relative
to the training portfolio's average.
"""


def _direction(m: int) -> str:
    return f"{m:+d}" if m else "none"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def write(result: TrainResult, out: Path, version: str = "unregistered") -> Path:
    """Write card.md and the plots into out (the artefact's directory); returns the card's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plots(result, out)
    path = out / "card.md"
    path.write_text(markdown(result, version))
    return path
