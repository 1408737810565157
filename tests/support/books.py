"""Simulated loan books for tests and benchmarks, through the same files and spec the commands use:
cashflow writes the book (`ruralcredit cashflow loan-book`), scoring reads it like a bank's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ruralcredit_cashflow.model import loan_book_file
from ruralcredit_cashflow.model.simulated_loans import simulate_loan_book
from ruralcredit_scoring.model.loanbook import FeatureSpec, spec_from_json


def simulated_book(n_loans: int, seed: int, forecast_model: str | None = None) -> tuple[pd.DataFrame, FeatureSpec]:
    """A simulated book in memory with the spec `train --book` would read for it."""
    frame, sim_spec = simulate_loan_book(n_loans, seed, model_path=forecast_model)
    return frame, spec_from_json(loan_book_file.book_spec(sim_spec))


def write_simulated_book(folder: Path, n_loans: int, seed: int) -> tuple[Path, Path]:
    """The book and spec files `ruralcredit cashflow loan-book` writes."""
    book, spec = folder / "book.parquet", folder / "spec.json"
    loan_book_file.write(n_loans, seed, book, spec, None, progress=lambda *_: None)
    return book, spec
