"""Repayment batches: a platform's deductions from payouts and a bank's other repayments, stored
once each, allocated to the loan's instalments and announced on loans.v1."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ruralcredit_applications import loans
from ruralcredit_applications.domain import loans as rules
from ruralcredit_applications.domain.repayments import BANK, PLATFORM, DeductionRow, RepaymentRow, Source
from ruralcredit_applications.domain.sales import business_day
from ruralcredit_applications.ingest import BatchResult, prepare
from ruralcredit_applications.orm_loans import Loan, Repayment
from ruralcredit_common.contracts import loans as loans_v1


def from_platform(session: Session, platform_id: str, rows: list[Any], *, now: dt.datetime, skew: dt.timedelta, **_: Any) -> BatchResult:
    """Deductions a platform took from its own merchants' payouts."""
    return _record(session, rows, DeductionRow, PLATFORM, platform_id, platform_id, Loan.platform_id == platform_id, now, skew)


def from_bank(session: Session, institution_id: str, actor: str, rows: list[Any], *, now: dt.datetime, skew: dt.timedelta, **_: Any) -> BatchResult:
    """Repayments an institution received on its own loans."""
    return _record(session, rows, RepaymentRow, BANK, institution_id, actor, Loan.institution_id == institution_id, now, skew)


def _record(
    session: Session, rows: list[Any], model: type, source: Source, tenant_id: str, actor: str, own: ColumnElement[bool],
    now: dt.datetime, skew: dt.timedelta,
) -> BatchResult:
    checked, result = prepare(rows, model, "paid_at", "repayment_id", now, skew)
    loan_ids = sorted({r.loan_id for r in checked.valid.values()})
    # Locked in id order: a concurrent batch on the same loans waits, then sees these repayments as stored.
    mine = {loan.id: loan for loan in session.scalars(
        select(Loan).where(Loan.id.in_(loan_ids), own).order_by(Loan.id).with_for_update())} if loan_ids else {}
    stored = set(session.scalars(select(Repayment.repayment_id).where(
        Repayment.source == source, Repayment.tenant_id == tenant_id,
        Repayment.repayment_id.in_({r.repayment_id for r in checked.valid.values()})))) if checked.valid else set()
    for index, row in list(checked.valid.items()):
        loan = mine.get(row.loan_id)
        if loan is None:
            # Another tenant's loan is as unknown as one that does not exist.
            checked.reject(index, "loan_id", "unknown loan")
        elif business_day(row.paid_at) < loan.disbursed_on:
            checked.reject(index, "paid_at", "is before the loan was disbursed")
        elif row.repayment_id in stored:
            result.duplicates.append(index)
            del checked.valid[index]
    plans = loans.schedule_of(session, list(mine))
    as_of = business_day(now)
    touched: dict[str, list[rules.Instalment]] = {}
    for _, row in sorted(checked.valid.items(), key=lambda item: (item[1].paid_at, item[0])):
        loan = mine[row.loan_id]
        plan = touched.setdefault(loan.id, loans.as_rules(plans[loan.id]))
        _apply(session, loan, plan, row, source, tenant_id, actor, as_of)
    for loan_id, plan in touched.items():
        loans.store_paid(plans[loan_id], plan)
        loans.follow(session, mine[loan_id], plan, as_of, actor)
    result.accepted = len(checked.valid)
    result.errors = checked.errors
    return result


def _apply(session: Session, loan: Loan, plan: list[rules.Instalment], row: Any, source: Source, tenant_id: str, actor: str, as_of: dt.date) -> None:
    split = rules.allocate(plan, row.amount, business_day(row.paid_at))
    session.add(Repayment(
        source=source, tenant_id=tenant_id, repayment_id=row.repayment_id, loan_id=loan.id, paid_at=row.paid_at, amount=row.amount,
        interest=split.interest, principal=split.principal, unallocated=split.unallocated,
        payout_id=getattr(row, "payout_id", None), recorded_by=actor,
    ))
    loans.audit(session, loan, actor, "repayment", {
        "repayment_id": row.repayment_id, "source": source, "paid_at": row.paid_at.isoformat(), "amount": str(row.amount),
        "interest": str(split.interest), "principal": str(split.principal), "unallocated": str(split.unallocated),
    })
    loans.emit(session, loans_v1.RepaymentRecorded(
        loan_id=loan.id, application_id=loan.application_id, merchant_id=loan.merchant_id, repayment_id=row.repayment_id,
        source=source, paid_at=row.paid_at, amount=row.amount, interest=split.interest, principal=split.principal,
        unallocated=split.unallocated, outstanding_principal=rules.outstanding_principal(plan),
        days_past_due=rules.days_past_due(plan, as_of),
    ))
