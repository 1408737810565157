"""Tables of loan outcomes: each loan beside the decision it was made on, and its arrears over time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ruralcredit_common.db import UtcDateTime, utcnow
from ruralcredit_scoring.orm import Base

MONEY = Numeric(14, 2)


class LoanOutcome(Base):
    """A disbursed loan: what was known when it was decided (features, PD, grade, model) and what became of it."""

    __tablename__ = "loan_outcomes"
    __table_args__ = (Index("ix_loan_outcomes_disbursed_on", "disbursed_on"),)
    loan_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(40), index=True)
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    institution_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(8, 6))
    term_days: Mapped[int] = mapped_column(Integer)
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    maturity_on: Mapped[dt.date] = mapped_column(Date)
    default_after_days: Mapped[int] = mapped_column(Integer)
    # At decision time: the scorer's own record where it has one, else what the disbursement said.
    grade: Mapped[str | None] = mapped_column(String(2))
    pd: Mapped[float | None]
    model_version: Mapped[str | None] = mapped_column(String(60))
    model_outcome: Mapped[str | None] = mapped_column(String(10))
    overridden: Mapped[bool]
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What became of it.
    status: Mapped[str] = mapped_column(String(20))
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    max_days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    total_paid: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    outstanding_principal: Mapped[Decimal] = mapped_column(MONEY)
    defaulted_on: Mapped[dt.date | None] = mapped_column(Date)
    repaid_on: Mapped[dt.date | None] = mapped_column(Date)
    written_off_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class LoanArrears(Base):
    """A loan's move to another arrears bucket: the history roll rates are counted from."""

    __tablename__ = "loan_arrears"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
    loan_id: Mapped[str] = mapped_column(String(40), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    bucket: Mapped[str] = mapped_column(String(8))
    days_past_due: Mapped[int] = mapped_column(Integer)
