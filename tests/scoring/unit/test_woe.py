"""The WoE scorecard: optbinning's bins, a points table that serves exactly what was trained."""

import json

import numpy as np
import pytest

from ruralcredit_scoring.model import woe
from ruralcredit_scoring.model.loanbook import categories_of, encode, spec_from_json, validate
from tests.scoring.books import bank_book


@pytest.fixture(scope="module")
def fitted():
    frame, doc = bank_book(2000, seed=4)
    spec = spec_from_json(doc)
    book = validate(frame, spec)
    cats = categories_of(book, spec)
    x = encode(book, spec, cats)
    y = book[spec.target].to_numpy()
    return book, spec, cats, x, y, woe.fit(book, x, y, spec, cats)


def test_bins_are_optbinning_s_own(fitted):
    from optbinning import OptimalBinning

    _, spec, _, x, y, card = fitted
    i = spec.features.index("debt_to_income")
    optb = OptimalBinning("debt_to_income", monotonic_trend="ascending").fit(x[:, i], y)
    assert card.bins[i].splits == tuple(optb.splits)
    # A value on a split belongs to the bin above it, as in optbinning's transform.
    ours = np.searchsorted(card.bins[i].splits, x[:, i], side="right")
    np.testing.assert_array_equal(ours, optb.transform(x[:, i], metric="indices"))


def test_declared_directions_hold_in_the_points(fitted):
    _, spec, _, _, _, card = fitted
    for f, direction in spec.monotone.items():
        points = np.asarray(card.bins[spec.features.index(f)].points)
        if direction:
            assert (np.diff(points) * direction >= -1e-12).all(), f"{f} points go against its direction"


def test_points_table_round_trips_and_adds_up(fitted):
    _, _, cats, x, _, card = fitted
    again = woe.Scorecard.from_json(json.loads(json.dumps(card.to_json(cats))), cats)
    np.testing.assert_array_equal(again.raw(x), card.raw(x))
    contrib = card.contrib(x[:50])
    np.testing.assert_allclose(contrib.sum(axis=1), card.raw(x[:50]), atol=1e-12)
    for row in x[:50]:
        assert card.raw_one(row) == pytest.approx(card.contrib_one(row).sum(), abs=1e-12)
        np.testing.assert_allclose(card.contrib_one(row), card.contrib(row[None, :])[0], atol=1e-12)


def test_unseen_category_and_missing_value_score_as_missing(fitted):
    _, spec, cats, x, _, card = fitted
    i = spec.features.index("purpose")
    row = x[0].copy()
    row[i] = len(cats["purpose"]) + 3  # a code no training loan had
    unseen = card.contrib_one(row)[i]
    row[i] = np.nan
    assert unseen == card.contrib_one(row)[i] == card.bins[i].missing


def test_the_text_file_names_categories(fitted):
    _, _, cats, _, _, card = fitted
    doc = card.to_json(cats)
    purpose = next(f for f in doc["features"] if f["name"] == "purpose")
    assert {c for g in purpose["groups"] for c in g} <= set(cats["purpose"]) and "splits" not in purpose
