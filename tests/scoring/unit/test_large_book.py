"""Which trainer a book goes through: a large one trains LightGBM with a held-out test unless another
kind is asked for by name; a small one goes through the cross-fitted champion."""

import pytest

from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import BookConfig
from tests.scoring.books import bank_book, write_book


@pytest.fixture()
def book(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "LARGE_BOOK", 1500)  # the rule, on a book small enough to train in seconds
    return write_book(tmp_path, *bank_book(2000, seed=4))


def test_a_large_book_trains_lightgbm_with_a_held_out_test(book):
    result = pipeline.train_file(*book, BookConfig(folds=3), log=lambda *_: None)
    assert result.kind == "lightgbm" and result.champion in (None, {})


def test_a_kind_asked_for_by_name_is_built_whatever_the_size(book):
    result = pipeline.train_file(*book, BookConfig(folds=3, champion="scorecard"), log=lambda *_: None)
    assert result.kind == "scorecard" and result.champion["kind"] == "scorecard"
