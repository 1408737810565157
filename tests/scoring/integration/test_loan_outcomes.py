"""loans.v1 applied to a real scoring database: each loan's outcome beside its decision, and the
bank's own book exported from them in the format `train --book` reads."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from ruralcredit_common.contracts import loans
from ruralcredit_common.errors import PermanentEventError
from ruralcredit_scoring import loan_book
from ruralcredit_scoring.model.loanbook import LoanBookError, load
from ruralcredit_scoring.orm_loans import LoanArrears, LoanOutcome
from tests.scoring.integration.loan_events import decided, disbursed, feed, ids

AS_OF = dt.date(2026, 12, 1)


def test_each_loan_keeps_its_decision_time_features_and_model_beside_its_outcome(factory):
    decided(factory, 1, {"coverage_p10": 1.4, "history_days": 420.0}, pd=0.12, grade="C", outcome="refer")
    on = dt.date(2026, 3, 2)
    feed(factory, disbursed(1, on, overridden=True), disbursed(1, on))
    feed(factory,
         loans.RepaymentRecorded(**ids(1), repayment_id="d-1", source="platform", paid_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
                                 amount=Decimal("3000.00"), interest=Decimal("131.51"), principal=Decimal("2868.49"),
                                 unallocated=Decimal("0.00"), outstanding_principal=Decimal("7131.51"), days_past_due=0),
         loans.ArrearsChanged(**ids(1), as_of=dt.date(2026, 5, 3), days_past_due=1, bucket="1-29", previous_bucket="current", status="in_arrears"),
         loans.LoanDefaulted(**ids(1), defaulted_on=dt.date(2026, 7, 31), days_past_due=90, default_after_days=90,
                             outstanding_principal=Decimal("7131.51")))
    with factory() as session:
        o = session.get(LoanOutcome, "loan_1")
        # The scorer's own record of the decision wins over what the disbursement repeated of it.
        assert (o.grade, o.pd, o.model_version, o.model_outcome, o.overridden) == ("C", 0.12, "v0007", "refer", True)
        assert o.features == {"coverage_p10": 1.4, "history_days": 420.0}
        assert (o.status, o.defaulted_on, o.max_days_past_due) == ("defaulted", dt.date(2026, 7, 31), 90)
        assert (o.total_paid, o.outstanding_principal, o.maturity_on) == (Decimal("3000.00"), Decimal("7131.51"), dt.date(2026, 5, 1))
        assert [(a.as_of, a.bucket) for a in session.query(LoanArrears)] == [(dt.date(2026, 5, 3), "1-29")]
    with pytest.raises(PermanentEventError, match="unknown loan loan_9"):
        feed(factory, loans.LoanRepaid(**ids(9), repaid_on=AS_OF, total_paid=Decimal("1.00"), max_days_past_due=0))


def _portfolio(factory, n_bad: int = 60, n_good: int = 60, n_open: int = 10) -> None:
    rng = random.Random(7)
    events = []
    for n in range(n_bad + n_good + n_open):
        bad, still_open = n < n_bad, n >= n_bad + n_good
        coverage = rng.uniform(0.5, 1.5) if bad else rng.uniform(1.0, 3.0)
        features = {"coverage_p10": round(coverage, 3), "history_days": float(rng.randint(200, 800)), "term_days": 60.0}
        decided(factory, n, features, pd=0.3 if bad else 0.05, grade="C" if bad else "A")
        on = AS_OF - dt.timedelta(days=20) if still_open else dt.date(2026, 1, 5) + dt.timedelta(days=n)
        events.append(disbursed(n, on))
        if bad:
            events.append(loans.LoanDefaulted(**ids(n), defaulted_on=on + dt.timedelta(days=40 if n % 2 else 150), days_past_due=90,
                                              default_after_days=90, outstanding_principal=Decimal("10000.00")))
        elif not still_open:
            events.append(loans.LoanRepaid(**ids(n), repaid_on=on + dt.timedelta(days=60), total_paid=Decimal("10131.51"), max_days_past_due=0))
    feed(factory, *events)


def test_the_book_holds_matured_loans_with_their_features_and_trains(factory, tmp_path):
    _portfolio(factory)
    out, spec = tmp_path / "book.parquet", tmp_path / "spec.json"
    with factory() as session:
        lines = loan_book.export(session, out, spec, as_of=AS_OF)
    assert "120 loans" in lines[0] and "60 defaulted, 60 repaid, 0 performing" in lines[0] and "10 still open left out" in lines[0]
    doc = json.loads(spec.read_text())
    assert (doc["id"], doc["target"], doc["bad"], doc["good"]) == ("loan_id", "outcome", ["defaulted"], ["repaid", "performing"])
    assert [c["name"] for c in doc["columns"]] == ["coverage_p10", "history_days", "term_days"]
    frame, _ = load(out, spec)
    assert len(frame) == 120 and int(frame["outcome"].sum()) == 60
    from ruralcredit_scoring.model import pipeline
    from ruralcredit_scoring.model.crossfit import BookConfig

    result = pipeline.train_file(out, spec, BookConfig(seed=1, folds=3), log=lambda *_: None)
    assert result.champion["mean_auc"][result.kind] > 0.8, "coverage separates the defaults in this book"


def test_open_loans_are_marked_by_request_and_the_outcome_window_judges_late_defaults(factory, tmp_path):
    _portfolio(factory)
    out, spec = tmp_path / "book.csv", tmp_path / "spec.json"
    with factory() as session:
        loan_book.export(session, out, spec, as_of=AS_OF, include_open=True)
    with pytest.raises(LoanBookError, match="'open' \\(10\\)"):
        load(out, spec)
    doc = json.loads(spec.read_text())
    spec.write_text(json.dumps({**doc, "outcome_window_days": 120, "min_defaults": 20}))
    with factory() as session:
        lines = loan_book.export(session, out, spec, as_of=AS_OF)
    assert "120 days after disbursement" in lines[1]
    frame, _ = load(out, spec)
    # Half the defaults came 150 days after disbursement: outside a 120-day window they count as good.
    assert int(frame["outcome"].sum()) == 30 and len(frame) == 120
