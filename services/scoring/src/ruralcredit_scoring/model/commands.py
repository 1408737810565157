"""What the model commands do, given parsed arguments; each returns the lines to print."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import BookConfig
from ruralcredit_scoring.model.loanbook import LoanBookError, read_table
from ruralcredit_scoring.model.registry import Registry
from ruralcredit_scoring.model.train import Log


def train(reg: Registry, *, book: str, spec: str | None, seed: int, champion: str,
          folds: int, promote: bool, log: Log = print) -> list[str]:
    """Train on a loan book, register the result with its card, optionally promote it."""
    if not spec:
        raise LoanBookError("--book needs --spec (write a first one with: ruralcredit scoring spec-template BOOK)")
    result = pipeline.train_file(book, spec, BookConfig(seed=seed, folds=folds, champion=champion), log)
    version = pipeline.register(result, reg, promote=promote)
    lines = [f"registered {version} ({result.kind}) in {reg.path(version)}" + (" and promoted it" if promote else "")]
    c = result.champion
    if c:
        other = next(k for k in c["mean_auc"] if k != c["kind"])
        lines.append(
            f"champion {c['kind']} by {c['by']}: AUC {c['mean_auc'][c['kind']]:.3f} against {other} "
            f"{c['mean_auc'][other]:.3f} ({c['margin']:+.3f}, better on {c['folds_won']} of {len(c['fold_auc'][other])} folds)"
        )
    lines.append(f"model card: {reg.path(version) / 'card.md'}")
    if not promote:
        lines.append(f"to serve it: ruralcredit scoring promote {version} --registry {reg.root}")
    return lines


def _figure(v: object, fmt: str) -> str:
    return format(v, fmt) if isinstance(v, int | float) and math.isfinite(v) else "-"


def listing(reg: Registry) -> list[str]:
    """The registry's versions, one line each, figures rounded for people."""
    rows = reg.list()
    if not rows:
        return [f"no models in {reg.root}"]
    out = [f"registry {reg.root}", f"  {'version':<8} {'created (UTC)':<17} {'model':<10} {'AUC':>6} {'ECE':>7}  source"]
    for r in rows:
        created = str(r["created_at"] or "")[:16].replace("T", " ")
        out.append(
            f"{'*' if r['promoted'] else ' '} {r['version']:<8} {created:<17} {r['kind']:<10} "
            f"{_figure(r['auc'], '.3f'):>6} {_figure(r['ece'], '.4f'):>7}  {r['source']}"
        )
    return out + (["* promoted"] if any(r["promoted"] for r in rows) else [])


def _rounded(v: object) -> object:
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, dict):
        return {k: _rounded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_rounded(x) for x in v]
    return v


def show(reg: Registry, version: str | None) -> list[str]:
    """A version's metadata (without the drift reference), rounded to six decimals."""
    meta = {k: v for k, v in reg.load(version).metadata.items() if k != "drift_reference"}
    return [json.dumps(_rounded(meta), indent=1, ensure_ascii=False)]


def predict(reg: Registry, *, book: str, out: str, version: str | None) -> list[str]:
    """Score every loan of a book with a registered model and write PD, grade and reasons."""
    from ruralcredit_scoring.model.predict import model_spec, predict_book
    from ruralcredit_scoring.model.scorer import Scorer

    model = reg.load(version)
    scorer = Scorer(model)
    frame = read_table(book)
    scored = predict_book(scorer, frame, model_spec(scorer, model.metadata))
    path = Path(out)
    try:
        scored.to_parquet(path, index=False) if path.suffix.lower() in (".parquet", ".pq") else scored.to_csv(path, index=False)
    except OSError as e:
        raise LoanBookError(f"cannot write {path}: {e.strerror or e}") from None
    grades = scored["grade"].value_counts().sort_index()
    return [
        f"scored {len(scored)} loans with {model.version} ({model.kind}): mean PD {scored['pd'].mean():.1%}; "
        + ", ".join(f"{g} {n}" for g, n in grades.items()),
        f"wrote {path}",
    ]


def spec_template(book: str, out: str | None, target: str | None) -> list[str]:
    """Write a starting spec guessed from the book."""
    from ruralcredit_scoring.model.template import template

    doc, notes = template(book, target)
    path = Path(out) if out else Path(book).with_suffix(".spec.json")
    if path.exists() and out is None:
        raise LoanBookError(f"{path} exists; name another file with --out")
    path.write_text(spec_text(doc))
    return [f"wrote {path}", *(f"  {n}" for n in notes)]


def spec_text(doc: dict) -> str:
    """A spec as JSON a person edits: one line per column."""
    head = {k: v for k, v in doc.items() if k != "columns"}
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    cols = ",\n".join(f"    {json.dumps(c, ensure_ascii=False)}" for c in doc["columns"])
    return "{\n" + "\n".join(lines) + f'\n  "columns": [\n{cols}\n  ]\n}}\n'



def example_book(out: str, loans: int, default_rate: float, seed: int) -> list[str]:
    """Write the synthetic county-bank book and its spec, to try the commands on."""
    from ruralcredit_scoring.model.example_book import example_book as make
    from ruralcredit_scoring.model.example_book import example_spec

    path = Path(out)
    frame = make(loans, default_rate, seed)
    frame.to_parquet(path, index=False) if path.suffix.lower() in (".parquet", ".pq") else frame.to_csv(path, index=False)
    spec_path = path.with_suffix(".spec.json")
    spec_path.write_text(spec_text(example_spec()))
    return [f"wrote {path} ({loans} loans, {(frame['status'] == 'defaulted').mean():.1%} defaulted) and its spec {spec_path}"]
