"""The C API fast paths give Booster.predict's numbers, on every thread, for every kind of row."""

import threading

import numpy as np
import pytest

from ruralcredit_scoring.model.calibration import Calibrator
from ruralcredit_scoring.model.predictor import Predictor


@pytest.fixture(scope="module")
def rows(trained_scorer, book):
    x = trained_scorer.matrix(book.head(300))
    x[5, :3] = np.nan  # missing features take the trees' default direction
    return x


def test_single_rows_match_booster_predict(trained_scorer, rows):
    booster = trained_scorer.booster
    p = Predictor(booster)
    raw = booster.predict(rows, raw_score=True)
    contrib = booster.predict(rows, pred_contrib=True)
    for i in range(len(rows)):
        assert p.raw_one(rows[i]) == pytest.approx(raw[i], abs=1e-12)
        np.testing.assert_allclose(p.contrib_one(rows[i]), contrib[i], rtol=0, atol=1e-12)


def test_each_thread_gets_its_own_buffers(trained_scorer, rows):
    p = Predictor(trained_scorer.booster)
    expected = trained_scorer.booster.predict(rows, pred_contrib=True)
    failures: list[int] = []

    def work(offset: int) -> None:
        for k in range(400):
            i = (offset + k) % len(rows)
            if not np.allclose(p.contrib_one(rows[i]), expected[i], rtol=0, atol=1e-12):
                failures.append(i)

    threads = [threading.Thread(target=work, args=(n * 37,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_rejects_a_row_of_the_wrong_width(trained_scorer):
    p = Predictor(trained_scorer.booster)
    with pytest.raises(ValueError, match="features"):
        p.raw_one(np.zeros(p.n_features + 1))
    with pytest.raises(ValueError, match="features"):
        p.contrib_one(np.zeros(p.n_features, dtype=np.float32))


@pytest.mark.parametrize(
    "calibrator",
    [
        Calibrator("isotonic", (-2.0, -1.0, 0.5, 3.0), (0.01, 0.05, 0.2, 0.7)),
        Calibrator("platt", a=1.3, b=-2.0),
    ],
)
def test_one_score_calibrates_as_the_vector_form(calibrator):
    raws = [-1e6, -800.0, -5.0, -2.0, -1.5, -1.0, 0.0, 0.5, 1.7, 3.0, 9.0, 800.0]
    with np.errstate(over="ignore"):  # exp(800) is inf in the vector form, as it should be
        expected = calibrator(np.array(raws))
    np.testing.assert_allclose([calibrator.one(r) for r in raws], expected, rtol=0, atol=1e-15)


def test_one_score_of_nan_is_nan_as_in_the_vector_form():
    assert np.isnan(Calibrator("isotonic", (0.0, 1.0), (0.1, 0.2)).one(float("nan")))


@pytest.mark.parametrize(
    "doc",
    [
        {"kind": "platt", "a": -1.0, "b": 0.0},
        {"kind": "platt", "a": 0.0, "b": 0.0},
        {"kind": "isotonic", "x": [0.0, 1.0, 2.0], "y": [0.3, 0.2, 0.4], "a": 1.0, "b": 0.0},
        {"kind": "isotonic", "x": [], "y": [], "a": 1.0, "b": 0.0},
    ],
)
def test_a_calibrator_that_does_not_rise_with_the_score_is_refused(doc):
    with pytest.raises(ValueError, match="rise"):
        Calibrator.from_json(doc)


def test_bisection_finds_the_step_a_full_scan_finds_on_the_trained_model(trained_scorer, book):
    from ruralcredit_scoring.domain.reasons import remedy_value

    s = trained_scorer
    checked = 0
    for i in range(0, 600, 7):
        base = s.vector(book.iloc[i].to_dict())[0]
        for feature, sign in s.monotone.items():
            if sign == 0 or feature not in s.range:
                continue
            j, direction = s.index[feature], -sign
            bound = s.range[feature][1 if direction > 0 else 0]
            if (bound - base[j]) * direction <= 0:
                continue
            row = base.copy()

            def pd_at(v: float, row=row, j=j) -> float:
                row[j] = v
                return s.row_pd(row)

            target = s.row_pd(base) * 0.6
            grid = [base[j] + (bound - base[j]) * (k + 1) / 48 for k in range(48)]
            scanned = next((v for v in grid if pd_at(v) <= target), None)
            assert remedy_value(float(base[j]), direction, bound, pd_at, target) == scanned, (i, feature)
            checked += 1
    assert checked > 100


def test_a_threads_prepared_configuration_goes_with_the_thread(trained_scorer, rows):
    import weakref

    p = Predictor(trained_scorer.booster)
    refs = []

    def work() -> None:
        p.raw_one(rows[0])
        refs.append(weakref.ref(p._state()))

    for _ in range(3):
        t = threading.Thread(target=work)
        t.start()
        t.join()
    assert len(refs) == 3 and all(r() is None for r in refs)
    assert p.raw_one(rows[0]) == pytest.approx(trained_scorer.booster.predict(rows[:1], raw_score=True)[0], abs=1e-12)
