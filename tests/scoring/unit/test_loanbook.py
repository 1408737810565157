"""Loan book validation gives clear one-line errors."""

import json

import pytest

from ruralcredit_scoring.model.loanbook import LoanBookError, load, read_spec, spec_from_json

SPEC = {
    "target": "defaulted",
    "columns": [
        {"name": "coverage_p10", "type": "numeric", "monotone": -1},
        {"name": "refund_rate", "type": "numeric", "monotone": 1},
        {"name": "platform", "type": "categorical"},
    ],
    "min_defaults": 20,
}


@pytest.fixture()
def files(tmp_path, book):
    frame = book[["coverage_p10", "refund_rate", "defaulted"]].copy()
    frame["platform"] = ["douyin", "pdd", "taobao"] * (len(frame) // 3)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    return frame, spec, tmp_path


def check(frame, spec, tmp_path, match, fmt="csv"):
    path = tmp_path / f"book.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    with pytest.raises(LoanBookError, match=match) as e:
        load(path, spec)
    assert "\n" not in str(e.value)


def test_valid_book_loads_in_both_formats(files):
    frame, spec, tmp = files
    for fmt in ("csv", "parquet"):
        path = tmp / f"ok.{fmt}"
        frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
        out, s = load(path, spec)
        assert s.categoricals == ("platform",) and str(out["platform"].dtype) == "category"
        assert s.constraints() == [-1, 1, 0]


def test_missing_columns(files):
    frame, spec, tmp = files
    check(frame.drop(columns=["refund_rate"]), spec, tmp, "missing columns: refund_rate")


def test_wrong_type(files):
    frame, spec, tmp = files
    frame = frame.astype({"coverage_p10": object})
    frame.loc[5, "coverage_p10"] = "n/a?"
    check(frame, spec, tmp, "coverage_p10 must be numeric")


def test_constant_target(files):
    frame, spec, tmp = files
    check(frame.assign(defaulted=0), spec, tmp, "constant")


def test_too_few_defaults(files):
    frame, spec, tmp = files
    frame = frame.assign(defaulted=0)
    frame.loc[:4, "defaulted"] = 1
    check(frame, spec, tmp, "too few defaults")


def test_target_not_binary(files):
    frame, spec, tmp = files
    check(frame.assign(defaulted=frame["defaulted"] * 2), spec, tmp, "must be 0/1")


def test_bad_specs(tmp_path):
    with pytest.raises(LoanBookError, match="not found"):
        read_spec(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(LoanBookError, match="not valid JSON"):
        read_spec(tmp_path / "bad.json")
    with pytest.raises(LoanBookError, match="unknown column types"):
        spec_from_json({"columns": [{"name": "a", "type": "text"}]})
    with pytest.raises(LoanBookError, match="cannot be monotone"):
        spec_from_json({"columns": [{"name": "a", "type": "categorical", "monotone": 1}]})
    (tmp_path / "book.xlsx").write_text("x")
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    with pytest.raises(LoanBookError, match=r"must be \.csv or \.parquet"):
        load(tmp_path / "book.xlsx", tmp_path / "spec.json")


def test_simulator_style_spec_is_accepted():
    spec = spec_from_json(
        {"features": ["a", "b"], "types": {"a": "float", "b": "category"}, "monotone": {"a": -1}, "target": "y"}
    )
    assert spec.features == ("a", "b") and spec.categoricals == ("b",) and spec.constraints() == [-1, 0]


def test_categorical_book_trains_and_serves_the_same_pd(files):
    from ruralcredit_scoring.model import pipeline
    from ruralcredit_scoring.model.registry import Registry
    from ruralcredit_scoring.model.scorer import Scorer

    frame, spec, tmp = files
    frame.to_csv(tmp / "book.csv", index=False)
    result = pipeline.train_file(tmp / "book.csv", spec, log=lambda s: None)
    reg = Registry(tmp / "models")
    pipeline.register(result, reg, promote=True, with_card=False)
    scorer = Scorer(reg.load())
    assert scorer.categories["platform"] == {"douyin": 0, "pdd": 1, "taobao": 2}
    batch = scorer.score_frame(frame.head(30))["pd"].to_numpy()
    for i in range(30):
        row = frame.iloc[i].to_dict()
        assert abs(scorer.pd(row) - batch[i]) < 1e-12
    unknown = scorer.pd({**frame.iloc[0].to_dict(), "platform": "new-platform"})
    assert 0 < unknown < 1  # an unseen category is scored as missing, not an error
