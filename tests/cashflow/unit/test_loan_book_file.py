"""`ruralcredit cashflow loan-book` writes a book and a spec in the form a bank's book takes."""

import json

import pandas as pd
import pytest

from ruralcredit_cashflow.model import loan_book_file


def test_the_book_and_its_spec_name_the_same_columns(tmp_path):
    book, spec = tmp_path / "book.parquet", tmp_path / "spec.json"
    assert loan_book_file.main(["--loans", "400", "--seed", "3", "--out", str(book), "--spec", str(spec)]) == 0
    frame = pd.read_parquet(book)
    doc = json.loads(spec.read_text())
    assert len(frame) == 400
    names = [c["name"] for c in doc["columns"]]
    assert set(names) <= set(frame.columns)
    assert {doc["target"], doc["true_pd"]} <= set(frame.columns)
    assert set(frame[doc["target"]].unique()) <= {0, 1, True, False}
    assert frame[doc["true_pd"]].between(0, 1).all()
    assert all(c["type"] == "numeric" and c.get("monotone", 1) in (-1, 1) for c in doc["columns"])


def test_a_book_that_is_not_parquet_is_refused_with_the_reason(tmp_path, capsys):
    with pytest.raises(SystemExit):
        loan_book_file.main(["--loans", "400", "--out", str(tmp_path / "b.csv"), "--spec", str(tmp_path / "s.json")])
    assert ".parquet" in capsys.readouterr().err
