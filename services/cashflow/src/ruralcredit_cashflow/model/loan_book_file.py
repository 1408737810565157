"""`ruralcredit cashflow loan-book`: the simulated loan book as files scoring trains on.

The book is a Parquet file and the spec a JSON file in the same form a bank writes for its own
book, so that scoring trains on simulated loans through the one path a bank uses and never
imports this service.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path

from ruralcredit_cashflow.model.simulated_loans import simulate_loan_book

POPULATION = "rural e-commerce merchants (the portfolio simulator)"


def book_spec(sim_spec: dict) -> dict:
    """The bank-book spec of the simulated book: its columns, their monotone directions, the target
    and the true PD the simulator knows (scoring reports it as the oracle)."""
    monotone = sim_spec.get("monotone", {})
    columns = []
    for name in sim_spec["features"]:
        column: dict = {"name": name, "type": "numeric"}
        direction = monotone.get(name, 0)
        if direction:
            column["monotone"] = direction
        columns.append(column)
    return {"target": sim_spec["target"], "true_pd": sim_spec["true_pd"], "population": POPULATION,
            "columns": columns, "units": sim_spec.get("units", {})}


def write(
    n_loans: int, seed: int, book: Path, spec: Path, forecast_model: str | None, progress: Callable[[str], object] = print
) -> None:
    """Simulate the book with the service's forecaster and write it with its spec."""
    progress(f"simulating {n_loans} loans (seed {seed}; forecaster: {forecast_model or 'seasonal profile'})")
    frame, sim_spec = simulate_loan_book(n_loans, seed, progress=progress, model_path=forecast_model)
    book.parent.mkdir(parents=True, exist_ok=True)
    spec.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(book, index=False)
    spec.write_text(json.dumps(book_spec(sim_spec), indent=1))
    progress(f"wrote {len(frame)} loans ({frame[sim_spec['target']].mean():.1%} defaulted) to {book} and the spec to {spec}")


def main(argv: list[str] | None = None) -> int:
    """CLI: ``ruralcredit cashflow loan-book --loans 20000 --out book.parquet --spec spec.json``."""
    ap = argparse.ArgumentParser(prog="ruralcredit cashflow loan-book", description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=20000, help="loans in the book (default 20000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="the book, a .parquet file")
    ap.add_argument("--spec", required=True, help="its spec, a .json file")
    ap.add_argument("--forecast-model", default=os.environ.get("CASHFLOW_FORECAST_MODEL_PATH"),
                    help="the forecaster artefact the service runs (default: $CASHFLOW_FORECAST_MODEL_PATH, "
                         "else the seasonal profile), so that training sees the features serving computes")
    a = ap.parse_args(argv)
    if not 100 <= a.loans <= 1_000_000:
        ap.error("--loans must be between 100 and 1000000")
    if not a.out.endswith((".parquet", ".pq")):
        ap.error("--out must name a .parquet file")
    write(a.loans, a.seed, Path(a.out), Path(a.spec), a.forecast_model)
    return 0
