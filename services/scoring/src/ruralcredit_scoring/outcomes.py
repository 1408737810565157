"""loans.v1 → each loan's outcome kept beside the features, PD, grade and model version it was decided on."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from ruralcredit_common.contracts import loans
from ruralcredit_common.contracts.envelope import RawEnvelope
from ruralcredit_common.db import utcnow
from ruralcredit_common.errors import PermanentEventError
from ruralcredit_scoring.orm import DecisionRecord
from ruralcredit_scoring.orm_loans import LoanArrears, LoanOutcome


def apply(session: Session, envelopes: list[RawEnvelope]) -> None:
    """Apply the loans.v1 events of one poll, in order."""
    for envelope in envelopes:
        payload = envelope.bind(loans.PAYLOADS[envelope.type])
        if isinstance(payload, loans.LoanDisbursed):
            _disbursed(session, payload)
            continue
        outcome = session.get(LoanOutcome, payload.loan_id)
        if outcome is None:
            # Every event of a loan follows its disbursement on the merchant's partition.
            raise PermanentEventError(f"{envelope.type} for unknown loan {payload.loan_id}")
        _follow(session, outcome, payload)
        outcome.updated_at = utcnow()


def _disbursed(session: Session, p: loans.LoanDisbursed) -> None:
    if session.get(LoanOutcome, p.loan_id) is not None:
        return
    decided = session.get(DecisionRecord, p.application_id)
    features = (decided.payload.get("features") or {}) if decided else {}
    session.add(LoanOutcome(
        loan_id=p.loan_id, application_id=p.application_id, merchant_id=p.merchant_id, institution_id=p.institution_id,
        amount=p.amount, annual_rate=p.annual_rate, term_days=p.term_days, disbursed_on=p.disbursed_on,
        maturity_on=p.schedule[-1].due, default_after_days=p.default_after_days,
        grade=decided.grade if decided else p.grade, pd=decided.pd if decided else p.pd,
        model_version=decided.model_version if decided else p.model_version,
        model_outcome=decided.outcome if decided else p.model_outcome, overridden=p.overridden, features=features,
        status="disbursed", days_past_due=0, max_days_past_due=0, total_paid=Decimal("0.00"), outstanding_principal=p.amount,
        updated_at=utcnow(),
    ))


def _follow(session: Session, o: LoanOutcome, p: loans.LoanEvent) -> None:
    if isinstance(p, loans.RepaymentRecorded):
        o.total_paid += p.amount - p.unallocated
        o.days_past_due, o.outstanding_principal = p.days_past_due, p.outstanding_principal
        if o.status == "disbursed":
            o.status = "current"
    elif isinstance(p, loans.ArrearsChanged):
        o.status, o.days_past_due = p.status, p.days_past_due
        o.max_days_past_due = max(o.max_days_past_due, p.days_past_due)
        session.add(LoanArrears(loan_id=o.loan_id, as_of=p.as_of, bucket=p.bucket, days_past_due=p.days_past_due))
    elif isinstance(p, loans.LoanDefaulted):
        o.status, o.defaulted_on, o.outstanding_principal = "defaulted", p.defaulted_on, p.outstanding_principal
        o.max_days_past_due = max(o.max_days_past_due, p.days_past_due)
    elif isinstance(p, loans.LoanRepaid):
        o.status, o.repaid_on = "repaid", p.repaid_on
        o.max_days_past_due = max(o.max_days_past_due, p.max_days_past_due)
    elif isinstance(p, loans.LoanWrittenOff):
        o.status, o.written_off_on = "written_off", p.written_off_on
