"""Training-serving parity: the scorer gives the training pipeline's calibrated PD for the same row."""

import numpy as np

from ruralcredit_scoring.model.train import encode


def test_scorer_pd_equals_training_pd(trained, trained_scorer, book, spec):
    x = encode(book, spec, trained.categories)
    train_pd = trained.calibrator(trained.booster.predict(x, raw_score=True))
    batch = trained_scorer.score_frame(book)["pd"].to_numpy()
    np.testing.assert_allclose(batch, train_pd, rtol=0, atol=1e-12)
    for i in (0, 11, 222, 3333):
        row = book.iloc[i].to_dict()
        assert abs(trained_scorer.pd(row) - train_pd[i]) < 1e-12
        assert abs(trained_scorer.explain(row).pd - train_pd[i]) < 1e-9


def test_test_split_pd_matches_serving(trained, trained_scorer):
    # The pipeline's reported test PDs come from the same booster and calibrator the registry stores.
    np.testing.assert_allclose(
        trained_scorer.calibrator(trained.test["raw"].to_numpy()), trained.test["pd"], atol=1e-12
    )


def test_contributions_add_up_to_the_raw_score(trained_scorer, book):
    row = book.iloc[5].to_dict()
    x = trained_scorer.vector(row)
    contrib = trained_scorer.booster.predict(x, pred_contrib=True)[0]
    assert abs(contrib.sum() - trained_scorer.booster.predict(x, raw_score=True)[0]) < 1e-9
