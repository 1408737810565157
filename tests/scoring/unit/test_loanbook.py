"""Loan book and spec validation: one-line errors that name the column, the values found and the fix."""

import json

import numpy as np
import pytest

from ruralcredit_scoring.model.loanbook import LoanBookError, load, read_spec, spec_from_json, validate
from tests.scoring.books import bank_book

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
    return str(e.value)


def test_valid_book_loads_in_both_formats(files):
    frame, spec, tmp = files
    for fmt in ("csv", "parquet"):
        path = tmp / f"ok.{fmt}"
        frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
        out, s = load(path, spec)
        assert s.categoricals == ("platform",) and str(out["platform"].dtype) == "category"
        assert s.constraints() == [-1, 1, 0]


def test_missing_columns_are_named_with_the_book_s_own(files):
    frame, spec, tmp = files
    msg = check(frame.drop(columns=["refund_rate"]), spec, tmp, "missing columns: refund_rate")
    assert "coverage_p10" in msg and "fix the names in the spec" in msg


def test_text_in_a_numeric_column_names_the_values_and_the_fix(files):
    frame, spec, tmp = files
    frame = frame.astype({"coverage_p10": object})
    frame.loc[5, "coverage_p10"] = "n/a?"
    frame.loc[[6, 7], "coverage_p10"] = "unknown"
    msg = check(frame, spec, tmp, "column coverage_p10 must be numeric")
    assert "'unknown' (2)" in msg and "'n/a?' (1)" in msg and '"missing"' in msg


def test_declared_missing_markers_become_missing(files):
    frame, _, _ = files
    frame = frame.astype({"coverage_p10": object})
    frame.loc[[6, 7], "coverage_p10"] = "unknown"
    frame.loc[9, "refund_rate"] = 9999
    doc = {**SPEC, "missing": ["unknown", 9999]}
    out = validate(frame, spec_from_json(doc))
    assert out["coverage_p10"].isna().sum() == 2 and np.isnan(out.loc[9, "refund_rate"])


def test_constant_target(files):
    frame, spec, tmp = files
    check(frame.assign(defaulted=0), spec, tmp, "constant")


def test_too_few_defaults(files):
    frame, spec, tmp = files
    frame = frame.assign(defaulted=0)
    frame.loc[:4, "defaulted"] = 1
    check(frame, spec, tmp, "too few defaults")


def test_a_target_that_is_not_0_1_names_its_values_and_the_fix(files):
    frame, spec, tmp = files
    msg = check(frame.assign(defaulted=np.where(frame["defaulted"] == 1, "bad", "good")), spec, tmp, "must be 0/1")
    assert "'good' (" in msg and "'bad' (" in msg and 'add "bad": "bad"' in msg


def test_a_text_target_with_its_bad_value_named():
    frame, spec = bank_book(1000)
    out = validate(frame, spec_from_json(spec))
    assert out["status"].tolist() == (frame["status"] == "defaulted").astype(int).tolist()


def test_text_target_errors():
    frame, spec = bank_book(1000)
    with pytest.raises(LoanBookError, match=r"no loan with the bad value \['default'\]; found 'repaid' \(\d+\), 'defaulted'"):
        validate(frame, spec_from_json({**spec, "bad": "default"}))
    three = frame.assign(status=np.where(np.arange(len(frame)) % 10 == 0, "still running", frame["status"]))
    with pytest.raises(LoanBookError, match=r"several values besides the bad.*'still running'.*\"good\""):
        validate(three, spec_from_json(spec))
    # Named good values: rows with neither are refused, with the values found.
    with pytest.raises(LoanBookError, match=r"neither bad .* nor good .*'still running' \(100\)"):
        validate(three, spec_from_json({**spec, "good": "repaid"}))
    blank = frame.assign(status=frame["status"].where(frame.index != 3))
    with pytest.raises(LoanBookError, match="empty in 1 loan \\(data row 4\\)"):
        validate(blank, spec_from_json(spec))


def test_ordinal_values_outside_the_declared_order_are_named():
    frame, spec = bank_book(1000)
    frame.loc[[1, 2, 3], "savings_band"] = "over 1m"
    with pytest.raises(LoanBookError, match=r"column savings_band has values outside its order .*'over 1m' \(3\)") as e:
        validate(frame, spec_from_json(spec))
    assert '"order"' in str(e.value) and "\n" not in str(e.value)


def test_ordinals_become_their_rank_and_missing_stays_missing():
    frame, spec = bank_book(1000)
    out = validate(frame, spec_from_json(spec))
    order = spec["columns"][9]["order"]
    expected = frame["employment_length"].map({v: i for i, v in enumerate(order)})
    assert out["employment_length"].equals(expected.astype(float)) and out["employment_length"].isna().sum() > 0


def test_spec_defaults_and_words():
    s = spec_from_json({"target": "y", "columns": [{"name": "a"}, "b", {"name": "c", "monotone": "increasing"},
                                                   {"name": "d", "monotone": "Decreasing"}]})
    assert s.features == ("a", "b", "c", "d") and s.categoricals == () and s.constraints() == [0, 0, 1, -1]
    again = spec_from_json(s.to_json())
    assert again == s


@pytest.mark.parametrize(
    ("column", "match"),
    [
        ({"name": "a", "monotone": "up"}, "column a: monotone 'up' is not understood; use \"increasing\""),
        ({"name": "a", "type": "number-ish"}, "column a: type 'number-ish' is unknown; use \"numeric\" \\(the default\\)"),
        ({"name": "a", "type": "categorical", "monotone": 1}, "column a is categorical and cannot be monotone: make it \"ordinal\""),
        ({"name": "a", "type": "ordinal"}, "column a is ordinal and needs its \"order\""),
        ({"name": "a", "type": "ordinal", "order": ["x", "x"]}, "repeats a value"),
        ({"type": "numeric"}, "needs a \"name\""),
    ],
)
def test_bad_columns_give_one_line_errors(column, match):
    with pytest.raises(LoanBookError, match=match) as e:
        spec_from_json({"target": "y", "columns": [column]})
    assert "\n" not in str(e.value)


def test_bad_specs(tmp_path):
    with pytest.raises(LoanBookError, match="not found"):
        read_spec(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(LoanBookError, match="not valid JSON"):
        read_spec(tmp_path / "bad.json")
    with pytest.raises(LoanBookError, match="needs \"columns\""):
        spec_from_json({"target": "y"})
    with pytest.raises(LoanBookError, match="target y is also listed as a feature"):
        spec_from_json({"target": "y", "columns": ["y", "x"]})
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
