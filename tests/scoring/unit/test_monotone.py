"""Direction tests: more coverage never raises PD, more refunds never lower it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scoring.books import MONOTONE


def test_monotone_directions_hold_over_a_sweep(trained_scorer, book):
    rows = book.sample(200, random_state=3)
    for feature, direction in MONOTONE.items():
        lo, hi = np.nanpercentile(book[feature], [0.5, 99.5])
        grid = np.linspace(lo, hi, 25)
        frame = rows.loc[rows.index.repeat(len(grid))].copy()
        frame[feature] = np.tile(grid, len(rows))
        pds = trained_scorer.score_frame(frame)["pd"].to_numpy().reshape(len(rows), len(grid))
        steps = np.diff(pds, axis=1) * direction
        assert (steps >= -1e-12).all(), f"{feature} moved PD against its direction"


@settings(max_examples=80, deadline=None)
@given(i=st.integers(0, 5999), bump=st.floats(0.01, 3.0))
def test_more_coverage_never_raises_pd(trained_scorer, book, i, bump):
    row = book.iloc[i].to_dict()
    better = {**row, "coverage_p10": row["coverage_p10"] + bump, "coverage_p50": row["coverage_p50"] + bump}
    assert trained_scorer.pd(better) <= trained_scorer.pd(row) + 1e-12


def test_unused_feature_name_changes_nothing(trained_scorer, book):
    row = book.iloc[7].to_dict()
    assert trained_scorer.pd({**row, "merchant_name": "王家果园"}) == trained_scorer.pd(row)
