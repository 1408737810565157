"""Tables of loans after disbursement: the loan, its instalments and its repayments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ruralcredit_applications.domain.loans import Status
from ruralcredit_applications.orm import MONEY, TS, Base
from ruralcredit_common.db import BigId, utcnow


class Loan(Base):
    """An approved application paid out, and where it stands (its status is the loan's own, not the application's)."""

    __tablename__ = "loans"
    __table_args__ = (
        Index("ix_loans_inst_disbursed", "institution_id", "disbursed_at", "id"),
        Index("ix_loans_status_checked", "status", "arrears_checked_on"),
        UniqueConstraint("institution_id", "external_ref"),
    )
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), unique=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    # The merchant's platform: it deducts the instalments from its payouts and may read the loan.
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"), index=True)
    # The bank's own reference in its core system, if it gave one.
    external_ref: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(8, 6))
    term_days: Mapped[int] = mapped_column(Integer)
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    disbursed_by: Mapped[str] = mapped_column(String(60))
    status: Mapped[Status] = mapped_column(String(20))
    # The definition of default in force when the loan was paid out: a later change of the setting
    # does not move the goalposts of loans already running.
    default_after_days: Mapped[int] = mapped_column(Integer)
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    max_days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    # The business day the daily job last counted days past due for: a second run that day skips it.
    arrears_checked_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    disbursed_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class LoanInstalment(Base):
    """One instalment of a loan's schedule and what has been paid of it."""

    __tablename__ = "loan_instalments"
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    due: Mapped[dt.date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    interest: Mapped[Decimal] = mapped_column(MONEY)
    principal_paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    interest_paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)


class Repayment(Base):
    """A repayment as pushed by the merchant's platform (deducted from a payout) or by the bank."""

    __tablename__ = "repayments"
    # Each pusher names its repayments in its own space: a platform's and a bank's ids may collide.
    __table_args__ = (UniqueConstraint("source", "tenant_id", "repayment_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(10))
    tenant_id: Mapped[str] = mapped_column(String(40))
    repayment_id: Mapped[str] = mapped_column(String(64))
    loan_id: Mapped[str] = mapped_column(ForeignKey("loans.id"), index=True)
    paid_at: Mapped[dt.datetime] = mapped_column(TS)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    interest: Mapped[Decimal] = mapped_column(MONEY)
    principal: Mapped[Decimal] = mapped_column(MONEY)
    unallocated: Mapped[Decimal] = mapped_column(MONEY)
    payout_id: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
