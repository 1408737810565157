"""Loan use cases: disburse an approved application, follow its arrears day by day, write it off;
every change in the application's audit trail and on loans.v1 through the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ruralcredit_applications.domain import lifecycle
from ruralcredit_applications.domain import loans as rules
from ruralcredit_applications.domain.sales import BUSINESS_TZ, business_day
from ruralcredit_applications.origination import NotAllowed
from ruralcredit_applications.orm import Application, AuditEntry, Base, Decision, Merchant, Override, Payout, Platform
from ruralcredit_applications.orm_loans import Loan, LoanInstalment
from ruralcredit_common.contracts import loans as loans_v1
from ruralcredit_common.db import utcnow
from ruralcredit_common.ids import new_id
from ruralcredit_common.outbox import add_event

# The payouts that tell which weekdays the merchant's platform pays on.
PAYOUT_LOOKBACK = dt.timedelta(days=56)


class LoanRefused(ValueError):
    """A disbursement the rules refuse, naming the field at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True)
class Terms:
    """What was approved: the most that may be paid out, for how long, at what rate (None: not priced)."""

    limit: Decimal
    term_days: int
    annual_rate: Decimal | None
    decision: Decision | None
    override: Override | None


def today() -> dt.date:
    """The business day now (Asia/Shanghai)."""
    return business_day(utcnow())


def approved_terms(session: Session, app: Application) -> Terms:
    """The terms an approval granted: an officer's override where there is one, else the model's, else the request."""
    decision = session.get(Decision, app.id)
    over = session.get(Override, app.id)
    model = decision.payload if decision is not None and decision.outcome == "approve" else {}
    limit = getattr(over, "amount", None) or (Decimal(str(model["limit"])) if model.get("limit") else app.amount)
    term = getattr(over, "term_days", None) or model.get("term_days") or app.term_days
    rate = ((decision.payload if decision else {}).get("rate") or {}).get("annual_rate")
    return Terms(Decimal(limit), int(term), Decimal(str(rate)) if rate is not None else None, decision,
                 over if over is not None and over.outcome == "approve" else None)


def audit(session: Session, loan: Loan, actor: str, action: str, detail: dict[str, Any]) -> None:
    """Append to the audit trail of the loan's application."""
    session.add(AuditEntry(application_id=loan.application_id, actor=actor, action=f"loan:{action}",
                           detail={"loan_id": loan.id, **detail}))


def emit(session: Session, payload: loans_v1.LoanEvent) -> None:
    """Queue a loans.v1 event in the caller's transaction."""
    add_event(session, Base.OutboxRow, loans_v1.TOPIC, loans_v1.event(payload))


def _ids(loan: Loan) -> dict[str, str]:
    return {"loan_id": loan.id, "application_id": loan.application_id, "merchant_id": loan.merchant_id}


def disburse(
    session: Session, app: Application, *, amount: Decimal, disbursed_on: dt.date, actor: str, default_after_days: int,
    annual_rate: Decimal | None = None, external_ref: str | None = None,
) -> Loan:
    """Turn an approved application into a loan paid out on `disbursed_on`, with its schedule on payout dates."""
    if app.status != lifecycle.APPROVED:
        raise NotAllowed(f"only an approved application can be disbursed; this one is {app.status}")
    if (earlier := session.scalar(select(Loan.id).where(Loan.application_id == app.id))) is not None:
        raise NotAllowed(f"this application was already disbursed as loan {earlier}")
    terms = approved_terms(session, app)
    if amount > terms.limit:
        raise LoanRefused("amount", f"is above the approved {terms.limit}")
    if disbursed_on > today():
        raise LoanRefused("disbursed_on", "is in the future")
    if disbursed_on < business_day(app.created_at):
        raise LoanRefused("disbursed_on", "is before the application was submitted")
    rate = annual_rate if annual_rate is not None else terms.annual_rate
    if rate is None:
        raise LoanRefused("annual_rate", "is required: the approval carries no priced rate")
    # The application's merchant and its platform exist: foreign keys hold them.
    platform = session.get_one(Platform, session.get_one(Merchant, app.merchant_id).platform_id)
    midnight = dt.datetime.combine(disbursed_on, dt.time(), BUSINESS_TZ)
    paid = session.scalars(select(Payout.paid_at).where(
        Payout.merchant_id == app.merchant_id, Payout.paid_at >= midnight - PAYOUT_LOOKBACK, Payout.paid_at < midnight))
    weekdays = rules.payout_weekdays(business_day(t) for t in paid)
    dues = rules.due_dates(disbursed_on, terms.term_days, platform.settlement_lag_days, weekdays)
    plan = rules.schedule(amount, rate, disbursed_on, dues)
    loan = Loan(
        id=new_id("loan"), application_id=app.id, merchant_id=app.merchant_id, institution_id=app.institution_id,
        platform_id=platform.id, external_ref=external_ref, amount=amount, annual_rate=rate, term_days=terms.term_days,
        disbursed_on=disbursed_on, disbursed_by=actor, status=rules.DISBURSED, default_after_days=default_after_days,
        days_past_due=0, max_days_past_due=0, disbursed_at=utcnow(), updated_at=utcnow(),
    )
    session.add(loan)
    session.flush()
    session.add_all(LoanInstalment(loan_id=loan.id, seq=i.seq, due=i.due, principal=i.principal, interest=i.interest,
                                   principal_paid=Decimal("0.00"), interest_paid=Decimal("0.00")) for i in plan)
    decision = terms.decision
    audit(session, loan, actor, "disbursed", {
        "amount": str(amount), "annual_rate": str(rate), "term_days": terms.term_days, "disbursed_on": disbursed_on.isoformat(),
        "instalments": len(plan), "first_due": plan[0].due.isoformat(), "external_ref": external_ref,
    })
    emit(session, loans_v1.LoanDisbursed(
        **_ids(loan), institution_id=loan.institution_id, platform_id=platform.id, amount=amount, annual_rate=rate,
        term_days=terms.term_days, disbursed_on=disbursed_on, default_after_days=default_after_days,
        schedule=[loans_v1.ScheduledInstalment(due=i.due, principal=i.principal, interest=i.interest) for i in plan],
        overridden=terms.override is not None, model_outcome=decision.outcome if decision else None,
        grade=app.grade, pd=decision.pd if decision else None, model_version=decision.model_version if decision else None,
    ))
    return loan


def schedule_of(session: Session, loan_ids: list[str]) -> dict[str, list[LoanInstalment]]:
    """The instalments of each loan, oldest first."""
    out: dict[str, list[LoanInstalment]] = {i: [] for i in loan_ids}
    rows = session.scalars(select(LoanInstalment).where(LoanInstalment.loan_id.in_(loan_ids)).order_by(LoanInstalment.loan_id, LoanInstalment.seq))
    for row in rows:
        out[row.loan_id].append(row)
    return out


def as_rules(rows: list[LoanInstalment]) -> list[rules.Instalment]:
    """The instalments as the loan rules see them."""
    return [rules.Instalment(seq=r.seq, due=r.due, principal=r.principal, interest=r.interest, principal_paid=r.principal_paid,
                             interest_paid=r.interest_paid, paid_on=r.paid_on) for r in rows]


def store_paid(rows: list[LoanInstalment], plan: list[rules.Instalment]) -> None:
    """Write what the rules paid back onto the instalment rows."""
    for row, inst in zip(rows, plan, strict=True):
        row.principal_paid, row.interest_paid, row.paid_on = inst.principal_paid, inst.interest_paid, inst.paid_on


def follow(session: Session, loan: Loan, plan: list[rules.Instalment], as_of: dt.date, actor: str) -> None:
    """Bring the loan's days past due and status up to date as of `as_of`; audit and announce what changed."""
    dpd = rules.days_past_due(plan, as_of)
    before = rules.bucket(loan.days_past_due)
    paid_any = any(i.principal_paid or i.interest_paid for i in plan)
    new = rules.status_for(loan.status, plan, as_of, default_after_days=loan.default_after_days, repaid_any=paid_any)
    loan.days_past_due, loan.max_days_past_due = dpd, max(loan.max_days_past_due, dpd)
    loan.updated_at = utcnow()
    if rules.bucket(dpd) != before:
        emit(session, loans_v1.ArrearsChanged(**_ids(loan), as_of=as_of, days_past_due=dpd, bucket=rules.bucket(dpd),
                                              previous_bucket=before, status=new))
    if new == loan.status:
        return
    move(session, loan, new, actor, as_of, {"days_past_due": dpd})
    if new == rules.DEFAULTED:
        emit(session, loans_v1.LoanDefaulted(**_ids(loan), defaulted_on=as_of, days_past_due=dpd,
                                             default_after_days=loan.default_after_days,
                                             outstanding_principal=rules.outstanding_principal(plan)))
    elif new == rules.REPAID:
        paid = sum((i.principal_paid + i.interest_paid for i in plan), Decimal("0.00"))
        emit(session, loans_v1.LoanRepaid(**_ids(loan), repaid_on=as_of, total_paid=paid, max_days_past_due=loan.max_days_past_due))


def move(session: Session, loan: Loan, new: rules.Status, actor: str, as_of: dt.date, detail: dict[str, Any]) -> None:
    """Change the loan's status if its rules allow, with an audit entry."""
    try:
        rules.check(loan.status, new)
    except rules.LoanRuleError as exc:
        raise NotAllowed(str(exc)) from None
    audit(session, loan, actor, f"status:{new}", {"from": loan.status, "as_of": as_of.isoformat(), **detail})
    loan.status = new
    if new in (rules.REPAID, rules.WRITTEN_OFF):
        loan.closed_on = as_of


def refresh_arrears(session: Session, as_of: dt.date, limit: int = 500) -> int:
    """Count days past due as of `as_of` for up to `limit` open loans not yet counted that day; returns how many.

    A loan counted once for a day is skipped by a second run, so the daily job may run as often
    as it likes, and two processes running it at once share the loans between them.
    """
    due = list(session.scalars(
        select(Loan)
        .where(Loan.status.in_(rules.OPEN), or_(Loan.arrears_checked_on.is_(None), Loan.arrears_checked_on < as_of))
        .order_by(Loan.id).limit(limit).with_for_update(skip_locked=True)
    ))
    plans = schedule_of(session, [loan.id for loan in due])
    for loan in due:
        follow(session, loan, as_rules(plans[loan.id]), as_of, "system")
        loan.arrears_checked_on = as_of
    return len(due)


def write_off(session: Session, loan: Loan, *, actor: str, reason: str) -> None:
    """The lender gives up on what is left of an open loan."""
    on = today()
    plan = as_rules(schedule_of(session, [loan.id])[loan.id])
    move(session, loan, rules.WRITTEN_OFF, actor, on, {"reason": reason})
    emit(session, loans_v1.LoanWrittenOff(**_ids(loan), written_off_on=on, outstanding_principal=rules.outstanding_principal(plan),
                                          reason=reason))
