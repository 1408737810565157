"""Loan endpoints: disburse an approved application, read loans, push repayments, write off.

A bank (its officers or its core system's key) sees its own institution's loans; a platform
sees the loans of its own merchants, whose instalments it deducts from their payouts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralcredit_applications import loans, repayments
from ruralcredit_applications.api import paging
from ruralcredit_applications.api.batches import batch_doc, batch_endpoint
from ruralcredit_applications.auth import BankOrOfficer, Caller, LoanReader, PlatformCaller, SessionDep
from ruralcredit_applications.domain import loans as rules
from ruralcredit_applications.domain.repayments import DeductionRow, RepaymentRow
from ruralcredit_applications.loan_schemas import DisbursementIn, InstalmentOut, LoanOut, LoanPage, RepaymentOut, WriteOffIn
from ruralcredit_applications.origination import NotAllowed
from ruralcredit_applications.orm import Application, AuditEntry
from ruralcredit_applications.orm_loans import Loan, LoanInstalment, Repayment
from ruralcredit_applications.schemas import AuditOut, BatchOut
from ruralcredit_common.http import SessionReleasingRoute
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["loans"], route_class=SessionReleasingRoute)
# Rates read back the same from every database (SQLite would drop trailing zeros).
RATE_PLACES = Decimal("0.000001")


def _conflict(field: str, reason: str) -> HTTPException:
    # A well-formed payout the application's state refuses (above its approved amount, dated before
    # its submission or after today): a conflict with the resource, not a malformed request.
    return HTTPException(409, {"errors": [{"field": field, "in": "body", "reason": reason}]})


def _own_loan(session: Session, loan_id: str, caller: Caller, lock: bool = False) -> Loan:
    loan = session.get(Loan, loan_id, with_for_update=lock)
    mine = loan is not None and (
        loan.platform_id == caller.platform_id if caller.kind == "platform" else loan.institution_id == caller.institution_id
    )
    # Another tenant's loan is simply not found: its existence is not disclosed.
    if loan is None or not mine:
        raise HTTPException(404, "no such loan")
    return loan


def _out(session: Session, loan: Loan) -> LoanOut:
    rows = session.scalars(select(LoanInstalment).where(LoanInstalment.loan_id == loan.id).order_by(LoanInstalment.seq)).all()
    return LoanOut(
        id=loan.id, application_id=loan.application_id, merchant_id=loan.merchant_id, institution_id=loan.institution_id,
        platform_id=loan.platform_id, external_ref=loan.external_ref, amount=loan.amount,
        annual_rate=loan.annual_rate.quantize(RATE_PLACES),
        term_days=loan.term_days, disbursed_on=loan.disbursed_on, status=loan.status, days_past_due=loan.days_past_due,
        max_days_past_due=loan.max_days_past_due, default_after_days=loan.default_after_days,
        outstanding_principal=rules.outstanding_principal(loans.as_rules(list(rows))), closed_on=loan.closed_on,
        schedule=[InstalmentOut.model_validate(r, from_attributes=True) for r in rows],
    )


@router.post("/applications/{application_id}/disbursement", status_code=201, response_model=LoanOut)
@raises(404, 409)
def disburse(application_id: str, body: DisbursementIn, request: Request, session: SessionDep, caller: BankOrOfficer) -> LoanOut:
    """Record that an approved application was paid out: it becomes a loan with its schedule on the merchant's payout dates."""
    app = session.get(Application, application_id, with_for_update=True)
    if app is None or app.institution_id != caller.institution_id:
        raise HTTPException(404, "no such application")
    try:
        loan = loans.disburse(
            session, app, amount=body.amount, disbursed_on=body.disbursed_on, annual_rate=body.annual_rate,
            external_ref=body.external_ref, actor=caller.actor,
            default_after_days=request.app.state.runtime.settings.default_days_past_due,
        )
        session.commit()
    except NotAllowed as exc:
        raise HTTPException(409, str(exc)) from None
    except loans.LoanRefused as exc:
        raise _conflict(exc.field, str(exc)) from None
    except IntegrityError:
        raise HTTPException(409, "this application or external_ref was disbursed concurrently") from None
    request.app.state.runtime.relay.wake()
    return _out(session, loan)


@router.get("/loans/{loan_id}", response_model=LoanOut)
def get_loan(loan_id: str, session: SessionDep, caller: LoanReader) -> LoanOut:
    """One loan with its schedule, what has been paid of each instalment and its days past due."""
    return _out(session, _own_loan(session, loan_id, caller))


def _after(value: str) -> Any:
    when, loan_id = paging.position(value)
    return or_(Loan.disbursed_at < when, and_(Loan.disbursed_at == when, Loan.id < loan_id))


@router.get("/loans", response_model=LoanPage)
def list_loans(
    session: SessionDep,
    caller: LoanReader,
    status: rules.Status | None = None,
    merchant_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> LoanPage:
    """The caller's loans, newest disbursement first, a page at a time (an officer's in-arrears list: status=in_arrears)."""
    q = select(Loan).where(Loan.platform_id == caller.platform_id if caller.kind == "platform" else Loan.institution_id == caller.institution_id)
    if status:
        q = q.where(Loan.status == status)
    if merchant_id:
        q = q.where(Loan.merchant_id == merchant_id)
    if cursor:
        q = q.where(_after(cursor))
    rows = list(session.scalars(q.order_by(Loan.disbursed_at.desc(), Loan.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    return LoanPage(items=[_out(session, loan) for loan in page], next_cursor=paging.cursor(page[-1].disbursed_at, page[-1].id) if len(rows) > limit else None)


@router.get("/loans/{loan_id}/repayments", response_model=list[RepaymentOut])
def loan_repayments(loan_id: str, session: SessionDep, caller: LoanReader) -> list[Repayment]:
    """The loan's repayments in the order they were recorded, with how each was allocated."""
    _own_loan(session, loan_id, caller)
    return list(session.scalars(select(Repayment).where(Repayment.loan_id == loan_id).order_by(Repayment.id).limit(2000)))


@router.get("/loans/{loan_id}/audit", response_model=list[AuditOut])
def loan_audit(loan_id: str, session: SessionDep, caller: BankOrOfficer) -> list[AuditEntry]:
    """Everything that changed the loan, oldest first."""
    loan = _own_loan(session, loan_id, caller)
    return list(session.scalars(
        select(AuditEntry).where(AuditEntry.application_id == loan.application_id, AuditEntry.action.startswith("loan:"))
        .order_by(AuditEntry.id)
    ))


@router.post("/loans/{loan_id}/write-off", response_model=LoanOut)
@raises(409)
def write_off(loan_id: str, body: WriteOffIn, request: Request, session: SessionDep, caller: BankOrOfficer) -> LoanOut:
    """Write off what is left of an open loan, with the reason."""
    loan = _own_loan(session, loan_id, caller, lock=True)
    try:
        loans.write_off(session, loan, actor=caller.actor, reason=body.reason)
    except NotAllowed as exc:
        raise HTTPException(409, str(exc)) from None
    session.commit()
    request.app.state.runtime.relay.wake()
    return _out(session, loan)


def _deductions(session: Session, caller: Caller, rows: list[Any], **kw: Any) -> Any:
    return repayments.from_platform(session, caller.platform_id or "", rows, **kw)


def _bank_repayments(session: Session, caller: Caller, rows: list[Any], **kw: Any) -> Any:
    return repayments.from_bank(session, caller.institution_id or "", caller.actor, rows, **kw)


router.add_api_route(
    "/platform/repayments:batch", batch_endpoint("repayments", _deductions, PlatformCaller, lambda c: c.platform),
    methods=["POST"], response_model=BatchOut, summary="Push a batch of repayments deducted from payouts",
    openapi_extra=batch_doc(DeductionRow, [{"repayment_id": "ded-1", "loan_id": "loan_1a2b3c4d5e6f7a8b", "payout_id": "p-1",
                                            "paid_at": "2026-07-16T00:00:00+08:00", "amount": "7558.49"}]),
    tags=["platforms"],
)
router.add_api_route(
    "/bank/repayments:batch", batch_endpoint("bank-repayments", _bank_repayments, BankOrOfficer, lambda c: c.institution),
    methods=["POST"], response_model=BatchOut, summary="Push a batch of repayments the bank received",
    openapi_extra=batch_doc(RepaymentRow, [{"repayment_id": "rep-1", "loan_id": "loan_1a2b3c4d5e6f7a8b",
                                            "paid_at": "2026-07-20T10:00:00+08:00", "amount": "5000.00"}]),
)
