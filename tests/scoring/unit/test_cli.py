"""`ruralcredit scoring …` as a risk analyst uses it: help everywhere, the registry where it is configured,
one-line errors, and the path from a book to a spec, a model and scored loans."""

import json
import re

import pandas as pd
import pytest

from ruralcredit_common.cli import main
from ruralcredit_scoring.settings import get_settings
from tests.scoring.books import bank_book, write_book

COMMANDS = ("train", "list", "promote", "rollback", "show", "predict", "drift", "spec-template", "example-book", "pricing-report")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line in process; its exit code, stdout and stderr."""
    code = 0
    try:
        main(["scoring", *argv])
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def settings_from(monkeypatch, tmp_path):
    """Each test reads its own environment; nothing is written where the test happens to run."""
    monkeypatch.delenv("SCORING_REGISTRY_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("argv", [(), *((c,) for c in COMMANDS)])
def test_help_at_every_level(capsys, argv):
    code, out, _ = run(capsys, *argv, "--help")
    assert code == 0 and out.startswith(f"usage: ruralcredit scoring {' '.join(argv)}".rstrip()) and "--registry" in out


def test_the_registry_defaults_to_the_configured_one(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SCORING_REGISTRY_DIR", str(tmp_path / "suite" / "models"))
    get_settings.cache_clear()
    assert run(capsys, "list") == (0, f"no models in {tmp_path / 'suite' / 'models'}\n", "")


def test_unconfigured_it_is_the_user_s_own_never_the_working_directory(capsys, tmp_path):
    assert run(capsys, "list")[1] == f"no models in {tmp_path / 'xdg' / 'ruralcredit' / 'models'}\n"
    assert not (tmp_path / "var").exists()


def test_errors_are_one_line_with_the_column_the_values_and_the_fix(capsys, tmp_path):
    frame, doc = bank_book(1000)
    frame.loc[:2, "savings_band"] = "plenty"
    book, spec = write_book(tmp_path, frame, doc)
    code, out, err = run(capsys, "train", "--book", str(book), "--spec", str(spec), "--registry", str(tmp_path / "r"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: column savings_band has values outside its order") and "'plenty' (3)" in err
    code, _, err = run(capsys, "--registry", str(tmp_path / "r"), "promote", "v0042")
    assert code == 2 and err.count("\n") == 1 and "v0042" in err
    code, _, err = run(capsys, "train", "--book", str(book))
    assert code == 2 and "--book needs --spec" in err and "spec-template" in err


def test_from_a_book_to_a_spec_a_model_and_scored_loans(capsys, tmp_path):
    frame, _ = bank_book(1000, 0.25, seed=3)
    frame.to_csv(tmp_path / "book.csv", index=False)
    code, out, _ = run(capsys, "spec-template", "book.csv")
    assert code == 0 and "bad value 'defaulted' by its name" in out
    guessed = json.loads((tmp_path / "book.spec.json").read_text())
    assert guessed["target"] == "status" and guessed["id"] == "loan_id" and {"name": "age"} in guessed["columns"]
    assert {"name": "purpose", "type": "categorical"} in guessed["columns"]
    guessed["population"] = "village shops of Qingshan county"
    (tmp_path / "book.spec.json").write_text(json.dumps(guessed))

    reg = str(tmp_path / "models")
    # --registry after the command here, before it below: both are the same registry.
    code, out, _ = run(capsys, "train", "--book", "book.csv", "--spec", "book.spec.json", "--folds", "3", "--registry", reg)
    assert code == 0 and "registered v0001" in out and "champion" in out
    assert "village shops of Qingshan county" in (tmp_path / "models" / "versions" / "v0001" / "card.md").read_text()
    code, out, _ = run(capsys, "--registry", reg, "promote", "v0001")
    assert code == 0
    code, out, _ = run(capsys, "--registry", reg, "list")
    line = next(x for x in out.splitlines() if "v0001" in x)
    assert line.startswith("* v0001") and not re.search(r"\d\.\d{5,}", out)

    code, out, _ = run(capsys, "predict", "--book", "book.csv", "--out", "scores.csv", "--registry", reg)
    assert code == 0 and "scored 1000 loans with v0001" in out
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert len(scores) == 1000 and {"loan_id", "status", "pd", "grade", "reason_1", "to_improve"} <= set(scores.columns)
    assert scores["pd"].between(0, 1).all() and scores["reason_1"].notna().mean() > 0.5

    code, out, _ = run(capsys, "--registry", reg, "show")
    meta = json.loads(out)
    assert meta["version"] == "v0001" and meta["population"] == "village shops of Qingshan county"

    # A later file of applications, by month: drift of the score and of each feature, ordinals included.
    later = frame.assign(applied=pd.date_range("2026-01-01", periods=len(frame), freq="2h").strftime("%Y-%m-%d"))
    later.loc[later["applied"] >= "2026-02-01", "annual_income"] *= 0.5
    later.to_csv(tmp_path / "later.csv", index=False)
    code, out, err = run(capsys, "drift", "later.csv", "--date-col", "applied", "--registry", reg)
    assert code == 0, err
    table = out.splitlines()
    assert table[0].split()[:3] == ["month", "loans", "age"] and len(table) == 4
    jan, feb = (dict(zip(table[0].split(), r.split())) for r in table[1:3])
    assert float(jan["annual_income"]) < 0.1 < float(feb["annual_income"]) and "savings_band" in jan
