"""Model card: markdown with ROC, calibration, score distribution and feature importance plots."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # cards are written by servers and CI, where no display exists

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_curve

from ruralcredit_scoring.model import evaluation
from ruralcredit_scoring.model.train import TrainResult, n_leaves

PLOTS = ("roc.png", "calibration.png", "score_distribution.png", "feature_importance.png")
NAMES = {"lightgbm": "LightGBM", "scorecard": "WoE logistic scorecard", "blend": "LightGBM and WoE scorecard averaged"}


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plots(result: TrainResult, out: Path) -> None:
    """Write the four PNG plots into out."""
    t = result.test
    fig, ax = plt.subplots(figsize=(5, 5))
    for name in result.metrics:
        fpr, tpr, _ = roc_curve(t["y"], t[name])
        ax.plot(fpr, tpr, label=f"{name} AUC {result.metrics[name]['auc']:.3f}")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC ({result.evaluation})"[:60])
    ax.legend(loc="lower right")
    _save(fig, out / "roc.png")

    fig, ax = plt.subplots(figsize=(5, 5))
    for name in result.metrics:
        tab = evaluation.calibration_table(t["y"].to_numpy(), t[name].to_numpy())
        ax.plot(tab["mean_pd"], tab["default_rate"], "o-", label=name)
    top = float(max(t["pd"].max(), 0.05))
    ax.plot([0, top], [0, top], "k:", lw=0.8)
    ax.set(xlabel="predicted PD", ylabel="observed default rate", title="Calibration (10 equal-count bins)")
    ax.legend()
    _save(fig, out / "calibration.png")

    fig, ax = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0, float(np.quantile(t["pd"], 0.995)), 40)
    ax.hist(t.loc[t["y"] == 0, "pd"], bins=bins.tolist(), alpha=0.6, density=True, label="repaid")
    ax.hist(t.loc[t["y"] == 1, "pd"], bins=bins.tolist(), alpha=0.6, density=True, label="defaulted")
    ax.set(xlabel="calibrated PD", ylabel="density", title="Score distribution")
    ax.legend()
    _save(fig, out / "score_distribution.png")

    imp = sorted(result.importance.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(imp) + 1.2))
    ax.barh([k for k, _ in imp], [v for _, v in imp])
    ax.set(xlabel=result.importance_kind, title="Feature importance")
    _save(fig, out / "feature_importance.png")


def _model_line(result: TrainResult) -> str:
    parts = []
    if result.booster is not None:
        parts.append(f"LightGBM: {result.booster.num_trees()} trees, {n_leaves(result.booster)} leaves, monotone constraints")
    if result.scorecard is not None:
        parts.append(
            f"WoE logistic scorecard: {len(result.scorecard.used())} of {len(result.spec.features)} features carry points, "
            "monotone bins where the spec says so"
        )
    if result.kind == "blend":
        w = result.champion["blend_weights"]
        parts.append(f"raw score = {w['lightgbm']:.3f} x LightGBM + {w['scorecard']:.3f} x scorecard (each weighted to count alike)")
    return "; ".join(parts)


def champion_section(result: TrainResult) -> str:
    """Which kind won, by how much, with the AUC of each fold."""
    c = result.champion
    if not c:
        return ""
    kinds = list(c["fold_auc"])
    other = c["runner_up"]
    rows = "\n".join(
        f"| {i + 1} | " + " | ".join(f"{c['fold_auc'][k][i]:.3f}" for k in kinds) + " |"
        for i in range(len(c["fold_auc"][c["kind"]]))
    )
    means = " | ".join(f"**{c['mean_auc'][k]:.3f}**" for k in kinds)
    return f"""## Champion

**{NAMES[c["kind"]]}** is registered, chosen by {c["by"]}: mean AUC {c["mean_auc"][c["kind"]]:.3f} against
{c["mean_auc"][other]:.3f} for the next best, {NAMES[other]} ({c["margin"]:+.3f}; better on {c["folds_won"]} of
{len(c["fold_auc"][c["kind"]])} folds). All were trained on the same folds in this run; each fold's AUC is on loans the
models had not seen.

| fold | {" | ".join(kinds)} |
| --- | {" | ".join("---:" for _ in kinds)} |
{rows}
| mean | {means} |

"""


def _points_section(result: TrainResult) -> str:
    card = result.scorecard
    if card is None:
        return ""
    lines = []
    for f, b in zip(card.features, card.bins):
        if f not in card.used():
            continue
        if b.groups:
            names = result.categories[f]
            edges = [", ".join(names[c] for c in g) for g in b.groups]
        else:
            order = result.spec.ordinals.get(f)
            cuts = [order[int(np.ceil(s))] if order else f"{s:g}" for s in b.splits]
            edges = [f"< {cuts[0]}"] if cuts else ["all"]
            edges += [f"{lo} to < {hi}" for lo, hi in pairwise(cuts)] + ([f">= {cuts[-1]}"] if cuts else [])
        lines += [f"| {f} | {e} | {p:+.3f} |" for e, p in zip(edges, b.points)] + [f"| {f} | missing | {b.missing:+.3f} |"]
    body = "\n".join(lines)
    return f"""## Scorecard points (log-odds of default; intercept {card.intercept:+.3f})

| feature | bin | points |
| --- | --- | ---: |
{body}

"""


def markdown(result: TrainResult, version: str = "unregistered") -> str:
    """The model card text."""
    spec, m = result.spec, result.metrics
    first = m[result.kind]
    rows = "\n".join(
        f"| {name} | {v['auc']:.3f} | {v['ks']:.3f} | {v['brier']:.4f} | {v['ece']:.4f} | {v['mean_pd']:.2%} |"
        for name, v in m.items()
    )
    feats = "\n".join(
        f"| {f} | {spec.kind(f)} | {_direction(spec.monotone.get(f, 0))} | {result.importance.get(f, 0):.3g} |"
        for f in spec.features
    )
    cal = result.calibration_table.to_string(index=False, float_format=lambda v: f"{v:.4f}")
    return f"""# Model card: PD model {version}

Calibrated probability of default over the loan's term for {spec.population}.

- Model: {_model_line(result)}
- Source: {result.source or "loan book"}; data fingerprint (sha256) `{result.fingerprint}`
- Evaluation: {result.evaluation}; {first["n"]} loans, default rate {first["default_rate"]:.1%}
- Calibration: {result.calibrator.kind} (5-fold log loss: {", ".join(f"{k} {v:.4f}" for k, v in result.calibrator_scores.items())})
- Training time: {result.timings.get("total_s", float("nan")):.1f} s

{champion_section(result)}## Metrics ({result.evaluation})

| model | AUC | KS | Brier | ECE | mean PD |
| --- | ---: | ---: | ---: | ---: | ---: |
{rows}

## Features (order as the model expects them; increasing = a higher value raises PD)

| feature | type | monotone | {result.importance_kind} |
| --- | --- | --- | ---: |
{feats}

{_points_section(result)}## Calibration table

```
{cal}
```

## Plots

![ROC](roc.png) ![Calibration](calibration.png)
![Score distribution](score_distribution.png) ![Feature importance](feature_importance.png)

## Limits

PD is for the term and population of the training loans ({spec.population}); drift (PSI) against
the training sample is stored in the metadata and must be watched. Reasons come from per-feature
contributions relative to the training portfolio's average.
"""


def _direction(m: int) -> str:
    return "increasing" if m > 0 else "decreasing" if m < 0 else "none"


def write(result: TrainResult, out: Path, version: str = "unregistered") -> Path:
    """Write card.md and the plots into out (the artefact's directory); returns the card's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plots(result, out)
    path = out / "card.md"
    path.write_text(markdown(result, version))
    return path
