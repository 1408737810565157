"""A bank's own loan book, built from the outcomes the scoring service kept: one row per matured
loan with the features it was decided on and what became of it, in the format `train --book` reads."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ruralcredit_scoring.domain import portfolio
from ruralcredit_scoring.model.spec import LoanBookError
from ruralcredit_scoring.orm_loans import LoanArrears, LoanOutcome

TARGET, BAD, GOOD = "outcome", [portfolio.DEFAULTED], [portfolio.REPAID, portfolio.PERFORMING]
FACTS = ("loan_id", "application_id", "merchant_id", "institution_id", "disbursed_on", "amount", "term_days", "annual_rate",
         "grade", "pd", "model_version", "overridden", "status", "max_days_past_due")


def load(session: Session, institution: str | None = None) -> list[LoanOutcome]:
    """Every loan outcome kept, of one institution or all, oldest disbursement first."""
    q = select(LoanOutcome).order_by(LoanOutcome.disbursed_on, LoanOutcome.loan_id)
    if institution:
        q = q.where(LoanOutcome.institution_id == institution)
    return list(session.scalars(q))


def facts(session: Session, rows: Sequence[LoanOutcome]) -> list[portfolio.Loan]:
    """The loans as the portfolio figures read them, each with its arrears history."""
    moves: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for a in session.scalars(select(LoanArrears).order_by(LoanArrears.id)):
        moves[a.loan_id].append((a.as_of, a.bucket))
    return [portfolio.Loan(
        loan_id=r.loan_id, disbursed_on=r.disbursed_on, maturity_on=r.maturity_on, default_after_days=r.default_after_days,
        grade=r.grade, pd=r.pd, status=r.status, days_past_due=r.days_past_due, outstanding=r.outstanding_principal,
        defaulted_on=r.defaulted_on, repaid_on=r.repaid_on, written_off_on=r.written_off_on, overridden=r.overridden,
        model_outcome=r.model_outcome, arrears=tuple(moves.get(r.loan_id, ())),
    ) for r in rows]


def frame(rows: Sequence[LoanOutcome], loans: Sequence[portfolio.Loan], features: Sequence[str], as_of: dt.date,
          window_days: int | None, include_open: bool) -> pd.DataFrame:
    """The book: facts, decision-time features and the outcome; open loans left out unless `include_open`."""
    # A fact a feature also names (the term) is the feature's value: what the model was given.
    facts = [f for f in FACTS if f not in features]
    records = []
    for row, loan in zip(rows, loans, strict=True):
        result = portfolio.outcome(loan, as_of, window_days)
        if result == portfolio.OPEN and not include_open:
            continue
        record: dict[str, Any] = {f: getattr(row, f) for f in facts}
        record.update({name: row.features.get(name) for name in features})
        record[TARGET] = result
        records.append(record)
    out = pd.DataFrame.from_records(records, columns=[*facts, *features, TARGET])
    for money in ("amount", "annual_rate"):
        out[money] = out[money].astype(float)
    return out


def spec_for(existing: dict[str, Any] | None, model_spec: dict[str, Any] | None, features: Sequence[str], population: str,
             window_days: int | None) -> dict[str, Any]:
    """The spec of the book: the analyst's own where it exists, else the columns of the model that decided the loans."""
    if existing is not None:
        return existing
    columns = [c for c in (model_spec or {}).get("columns", []) if c.get("name") in features] or [{"name": f} for f in features]
    return {"population": population, "id": "loan_id", "target": TARGET, "bad": BAD, "good": GOOD,
            "outcome_window_days": window_days, "min_defaults": 50, "columns": columns}


def read_window(spec: dict[str, Any] | None) -> int | None:
    """The spec's outcome window in days (None: each loan's own term and default definition)."""
    raw = (spec or {}).get("outcome_window_days")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 3650:
        raise LoanBookError(f"\"outcome_window_days\" must be a whole number of days from 1 to 3650; got {raw!r}")
    return raw


def read_existing(path: Path) -> dict[str, Any] | None:
    """The spec file's content if it exists."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise LoanBookError(f"feature spec is not valid JSON: {path}: {e.msg} at line {e.lineno}") from None
    if not isinstance(doc, dict):
        raise LoanBookError(f"feature spec {path} must be a JSON object")
    return doc


def _model_spec(registry: Any, rows: Sequence[LoanOutcome]) -> dict[str, Any] | None:
    """The spec of the model that decided most of the loans, if the registry still has it."""
    versions = [r.model_version for r in rows if r.model_version]
    if registry is None or not versions:
        return None
    version = max(set(versions), key=versions.count)
    try:
        return registry.load(version).metadata.get("spec")
    except Exception:  # noqa: BLE001 - a model missing from this registry only costs the columns' types
        return None


def export(session: Session, out: Path, spec_path: Path, *, as_of: dt.date, registry: Any = None,
           institution: str | None = None, include_open: bool = False) -> list[str]:
    """Write the book (CSV or Parquet by its suffix) and, unless the analyst wrote one, its spec; returns what to print."""
    rows = load(session, institution)
    loans = facts(session, rows)
    existing = read_existing(spec_path)
    window = read_window(existing)
    model_spec = _model_spec(registry, rows) if existing is None else None
    if existing is not None:
        features = [c if isinstance(c, str) else c.get("name") for c in existing.get("columns", [])]
    elif model_spec:
        features = [c["name"] for c in model_spec.get("columns", [])]
    else:
        features = sorted({name for r in rows for name in r.features})
    book = frame(rows, loans, features, as_of, window, include_open)
    try:
        book.to_parquet(out, index=False) if out.suffix.lower() in (".parquet", ".pq") else book.to_csv(out, index=False)
    except OSError as e:
        raise LoanBookError(f"cannot write {out}: {e.strerror or e}") from None
    counts = book[TARGET].value_counts().to_dict()
    left_out = sum(portfolio.outcome(x, as_of, window) == portfolio.OPEN for x in loans) if not include_open else 0
    first, last = (rows[0].disbursed_on, rows[-1].disbursed_on) if rows else (as_of, as_of)
    lines = [f"wrote {out}: {len(book)} loans disbursed {first} to {last} ("
             + ", ".join(f"{counts.get(k, 0)} {k}" for k in (*portfolio.MATURED, portfolio.OPEN) if counts.get(k) or k != portfolio.OPEN)
             + f"); {left_out} still open left out" * bool(left_out)]
    if existing is None:
        from ruralcredit_scoring.model.commands import spec_text

        who = f"loans of {institution}" if institution else "loans disbursed through the suite"
        doc = spec_for(None, model_spec, features, f"{who}, {first} to {last}", window)
        spec_path.write_text(spec_text(doc))
        lines.append(f"wrote {spec_path}: target {TARGET}, bad {BAD}, good {GOOD}, {len(features)} feature columns"
                     " (add \"outcome_window_days\" to judge loans a fixed time after disbursement)")
    else:
        judged = f"{window} days after disbursement" if window else "each loan's own term and default definition"
        lines.append(f"read {spec_path}: outcomes judged by {judged}")
    lines.append(f"to train on it: ruralcredit scoring train --book {out} --spec {spec_path}")
    return lines


def open_database(url: str) -> Any:
    """Sessions on the scoring database, checked reachable and migrated (one-line errors)."""
    from ruralcredit_common import db
    from ruralcredit_common.errors import StartupError

    engine = db.create_db_engine(url)
    try:
        db.check_reachable(engine)
        db.check_migrated(engine, "ruralcredit_scoring:migrations")
    except StartupError as e:
        engine.dispose()
        raise LoanBookError(str(e)) from None
    return db.session_factory(engine)
