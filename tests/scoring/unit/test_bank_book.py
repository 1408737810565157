"""A county bank's own book, end to end: the champion by cross-validation, every loan used, the card,
and the registered model serving what was trained, with reasons and remedies."""

import numpy as np
import pytest

from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import KINDS, BookConfig, train_book
from ruralcredit_scoring.model.loanbook import prepare_features, spec_from_json
from ruralcredit_scoring.model.predict import predict_book
from ruralcredit_scoring.model.registry import BOOSTER, SCORECARD, Registry
from ruralcredit_scoring.model.scorer import Scorer
from ruralcredit_scoring.model.train import encode
from tests.scoring.books import bank_book, write_book

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=[(1000, 0.22, 11), (5000, 0.28, 12)], ids=["1000-loans", "5000-loans"])
def trained_book(request, tmp_path_factory):
    n, rate, seed = request.param
    frame, doc = bank_book(n, rate, seed)
    tmp = tmp_path_factory.mktemp(f"book{n}")
    book, spec_path = write_book(tmp, frame, doc)
    result = pipeline.train_file(book, spec_path, log=lambda s: None)
    reg = Registry(tmp / "models")
    version = pipeline.register(result, reg, promote=True)
    return frame, spec_from_json(doc), result, reg, version


def test_the_champion_is_the_best_by_cross_validated_auc(trained_book):
    frame, _, result, reg, version = trained_book
    c = result.champion
    assert set(c["fold_auc"]) == set(KINDS) and all(len(v) == 5 for v in c["fold_auc"].values())
    means = {k: np.mean(v) for k, v in c["fold_auc"].items()}
    assert c["kind"] == max(means, key=means.get) == result.kind
    assert c["margin"] == pytest.approx(means[c["kind"]] - max(v for k, v in means.items() if k != c["kind"]))
    assert reg.load(version).kind == result.kind and reg.list()[0]["kind"] == result.kind
    # Every loan is evaluated out of fold and every loan trains the registered model.
    assert result.metrics[result.kind]["n"] == len(frame) and result.calibration_table["loans"].sum() == len(frame)


def test_it_learns_what_the_book_holds(trained_book):
    frame, _, result, _, _ = trained_book
    m = result.metrics[result.kind]
    assert 0.68 < m["auc"] and m["ece"] < 0.05
    assert abs(m["mean_pd"] - (frame["status"] == "defaulted").mean()) < 0.02


def test_capacity_follows_the_book_size(trained_book):
    _, spec, result, _, _ = trained_book
    small, large = BookConfig().params(1000, spec), BookConfig().params(5000, spec)
    assert small["num_leaves"] < large["num_leaves"] and small["min_data_in_leaf"] < large["min_data_in_leaf"]
    if result.booster is not None:
        assert result.params["num_leaves"] == BookConfig().params(result.metrics[result.kind]["n"], spec)["num_leaves"]


def test_the_registered_model_serves_what_was_trained(trained_book):
    frame, spec, result, reg, version = trained_book
    scorer = Scorer(reg.load(version))
    x = encode(prepare_features(frame, spec), spec, result.categories)
    raw = 0.0
    if result.booster is not None:
        raw = raw + result.booster.predict(x, raw_score=True) * (scorer.predictor.a if result.kind == "blend" else 1.0)
    if result.scorecard is not None:
        raw = raw + result.scorecard.raw(x) * (scorer.predictor.b if result.kind == "blend" else 1.0)
    expected = result.calibrator(raw)
    batch = scorer.score_frame(prepare_features(frame, spec))["pd"].to_numpy()
    np.testing.assert_allclose(batch, expected, atol=1e-9)
    # One loan as the book has it: ordinals and categoricals as text, missing values as gaps.
    for i in (0, 7, 42, 99):
        row = frame.iloc[i][list(spec.features)].to_dict()
        assert scorer.pd(row) == pytest.approx(expected[i], abs=1e-9)
        assert scorer.explain(row).pd == pytest.approx(expected[i], abs=1e-9)


def test_declared_directions_hold_for_ordinal_and_numeric_columns(trained_book):
    frame, spec, _, reg, _ = trained_book
    scorer = Scorer(reg.load())
    rows = prepare_features(frame.sample(60, random_state=1), spec)
    for feature, grid in (("savings_band", np.arange(5.0)), ("debt_to_income", np.linspace(0, 1.5, 13))):
        sweep = rows.loc[rows.index.repeat(len(grid))].copy()
        sweep[feature] = np.tile(grid, len(rows))
        pds = scorer.score_frame(sweep)["pd"].to_numpy().reshape(len(rows), len(grid))
        steps = np.diff(pds, axis=1) * spec.monotone[feature]
        assert (steps >= -1e-12).all(), f"{feature} moved PD against its direction"


def test_card_names_the_population_and_the_champion_with_fold_aucs(trained_book):
    _, _, result, reg, version = trained_book
    text = (reg.path(version) / "card.md").read_text()
    assert "farm households of Qingshan county (test book)" in text and "e-commerce" not in text
    assert "## Champion" in text and f"chosen by cross-validated AUC: mean AUC {result.champion['mean_auc'][result.kind]:.3f}" in text
    assert all(f"| {i} | " in text for i in range(1, 6)) and "| mean |" in text


def test_predict_gives_pd_grade_reasons_and_remedies_for_every_loan(trained_book):
    frame, spec, _, reg, _ = trained_book
    scorer = Scorer(reg.load())
    out = predict_book(scorer, frame.head(400), spec)
    assert list(out.columns[:4]) == ["loan_id", "status", "pd", "grade"] and len(out) == 400
    assert out["pd"].between(0, 1).all() and out["loan_id"].tolist() == frame["loan_id"].head(400).tolist()
    risky = out[out["pd"] > out["pd"].median()]
    assert (risky["reason_1"] != "").all()
    named = risky["reason_1"].str.split(":").str[0]
    assert set(named) <= set(scorer.used)
    remedies = out["to_improve"][out["to_improve"] != ""]
    assert len(remedies) > 0 and remedies.str.contains("would reach grade").all()
    levels = remedies[remedies.str.startswith("savings_band")]
    order = spec.ordinals["savings_band"]
    assert all(any(r.endswith(f"-> {v} would reach grade {r[-1]}") for v in order) for r in levels)


@pytest.mark.parametrize("kind", ["scorecard", "lightgbm"])
def test_a_kind_can_be_asked_for_and_serves_through_the_same_scorer(kind, tmp_path):
    frame, doc = bank_book(1000, 0.25, 21)
    spec = spec_from_json(doc)
    result = train_book(frame, spec, BookConfig(champion=kind, folds=3), log=lambda s: None)
    assert result.kind == kind and result.champion["by"] == f"asked for ({kind})"
    reg = Registry(tmp_path)
    version = pipeline.register(result, reg, promote=True, with_card=False)
    files = set(reg.load(version).metadata["files"])
    assert files == ({SCORECARD} if kind == "scorecard" else {BOOSTER}) | {"calibrator.json"}
    scorer = Scorer(reg.load())
    order = spec.ordinals["savings_band"]
    pds = scorer.score_frame(prepare_features(frame, spec))["pd"].to_numpy()
    checked = 0
    for i in np.argsort(-pds)[:40]:
        row = frame.iloc[i][list(spec.features)].to_dict()
        out = scorer.explain(row)
        assert 0 < out.pd < 1 and max(out.deltas.values()) > 0.02
        rank = order.index(row["savings_band"])
        if rank == len(order) - 1:
            continue
        better = scorer.pd({**row, "savings_band": order[rank + 1]})
        if better >= out.pd:
            continue
        # What would have to change: an ordinal moves by whole levels of its declared order.
        assert scorer.remedy(row)("savings_band", better) == rank + 1
        checked += 1
    assert checked >= 5
