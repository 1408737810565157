"""Which trainer a book goes through: a large one trains LightGBM with a held-out test unless another
kind is asked for by name; a small one goes through the cross-fitted champion."""

import pytest

from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import BookConfig
from ruralcredit_scoring.model.loanbook import read_spec, read_table
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


def test_a_book_in_memory_goes_through_the_trainer_its_file_would(book):
    frame, spec = read_table(book[0]), read_spec(book[1])
    large = pipeline.train_frame(frame, spec, BookConfig(folds=3), log=lambda *_: None)
    small = pipeline.train_frame(frame.iloc[:1400], spec, BookConfig(folds=3), log=lambda *_: None)
    assert large.kind == "lightgbm" and large.champion in (None, {})
    assert small.champion["kind"] == small.kind
