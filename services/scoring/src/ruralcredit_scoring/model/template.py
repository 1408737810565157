"""A starting feature spec guessed from a loan book: the analyst checks it, adds what only they know
(orders, directions, the population) and trains."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ruralcredit_scoring.model.loanbook import read_table
from ruralcredit_scoring.model.spec import CATEGORICAL, LoanBookError, label

TARGET_NAMES = re.compile(r"^(default(ed)?|is_default|bad|bad_flag|target|status|loan_status|outcome|label|class|creditability|y)$", re.I)
ID_NAMES = re.compile(r"(^id$|_id$|^id_|^loan_?no$|^account)", re.I)
BAD_WORDS = ("bad", "default", "defaulted", "charged off", "written off", "yes", "true", "1")
MAX_CATEGORIES = 50


def _target(frame: pd.DataFrame, given: str | None) -> str:
    if given:
        if given not in frame.columns:
            raise LoanBookError(f"--target {given}: the book has no such column (its columns are {', '.join(map(str, frame.columns[:12]))})")
        return given
    two = [c for c in frame.columns if frame[c].nunique(dropna=True) == 2]
    named = [c for c in two if TARGET_NAMES.match(str(c).strip())]
    if named:
        return named[0]
    raise LoanBookError(
        "cannot tell which column says whether a loan defaulted; name it with --target COLUMN "
        f"(columns with two values: {', '.join(map(str, two[:8])) or 'none'})"
    )


def _bad_value(values: pd.Series) -> tuple[str | None, str]:
    labels = values.map(label).dropna()
    if set(labels.unique()) <= {"0", "1"}:
        return None, "0/1 target: 1 means defaulted"
    for v in labels.unique():
        if v.lower() in BAD_WORDS:
            return v, f"bad value {v!r} by its name"
    rarer = labels.value_counts().index[-1]
    return rarer, f"bad value {rarer!r} guessed as the rarer one: check it"


def _column(name: str, col: pd.Series) -> tuple[dict | None, str, set[str]]:
    """The column's spec entry (None to leave it out), why, and text values that look like 'not known'."""
    values = col.dropna()
    if values.nunique() <= 1:
        return None, "constant", set()
    if pd.api.types.is_numeric_dtype(col):
        return {"name": name}, "numeric", set()
    texts = values.map(label).dropna()
    as_number = pd.to_numeric(texts, errors="coerce")
    if as_number.notna().mean() >= 0.9:
        # Mostly figures with a few markers such as "?" or "n/a": numeric, the markers missing.
        return {"name": name}, "numeric", set(texts[as_number.isna()].unique())
    if ID_NAMES.search(name) or texts.nunique() > max(MAX_CATEGORIES, 0.5 * len(texts)):
        return None, "identifier or free text", set()
    return {"name": name, "type": CATEGORICAL}, CATEGORICAL, set()


def template(book: str | Path, target: str | None = None) -> tuple[dict, list[str]]:
    """A spec for the book and the notes the analyst should read."""
    frame = read_table(book)
    tcol = _target(frame, target)
    bad, why = _bad_value(frame[tcol])
    doc: dict = {"population": f"the borrowers of {Path(book).name} (say who they are: region, kind of borrower, years)"}
    ids = [c for c in frame.columns if c != tcol and ID_NAMES.search(str(c)) and frame[c].is_unique]
    if ids:
        doc["id"] = ids[0]
    doc["target"] = tcol
    if bad is not None:
        doc["bad"] = bad
    cols, skipped, missing = [], [], set()
    for c in frame.columns:
        if c == tcol or c in ids:
            continue
        entry, kind, markers = _column(str(c), frame[c])
        if entry is None:
            skipped.append(f"{c} ({kind})")
            continue
        cols.append(entry)
        missing |= markers
    if missing:
        doc["missing"] = sorted(missing)
    doc["columns"] = cols
    kinds = pd.Series(["categorical" if c.get("type") else "numeric" for c in cols]).value_counts().to_dict()
    notes = [
        f"target {tcol}: {why}",
        f"{len(cols)} columns: " + ", ".join(f"{n} {k}" for k, n in kinds.items()),
        *([f"left out: {', '.join(skipped)}"] if skipped else []),
        *([f"read as missing: {', '.join(map(repr, sorted(missing)))}"] if missing else []),
        "next: say who the borrowers are in \"population\"; make banded columns \"ordinal\" with their \"order\"; "
        "add \"monotone\": \"increasing\" or \"decreasing\" where the direction of risk is known",
    ]
    return doc, notes
