"""Tables of the cashflow service: per-merchant daily series and the assessments made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ruralcredit_common.db import UtcDateTime, make_base, utcnow

Base: Any = make_base()
MONEY = Numeric(16, 2)


class MerchantDay(Base):
    """One business day of a merchant's sales, refunds and payouts (all platforms summed)."""

    __tablename__ = "merchant_days"
    merchant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    gross_sales: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    refunds: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    payouts: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))


class MerchantPlatform(Base):
    """The platform a merchant sells through, its declared settlement terms and the merchant's produce."""

    __tablename__ = "merchant_platforms"
    merchant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(40))
    settlement_lag_days: Mapped[int] = mapped_column(Integer)
    fee_rate: Mapped[float]
    # The merchant's main produce as the platform's sales last named it (None: sells all year).
    produce: Mapped[str | None] = mapped_column(String(40))


class AccountFlowDay(Base):
    """A day of the merchant's payment or bank account: money in, money out."""

    __tablename__ = "account_flow_days"
    merchant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    inflow: Mapped[Decimal] = mapped_column(MONEY)
    outflow: Mapped[Decimal] = mapped_column(MONEY)


class PurchasePlan(Base):
    """A seasonal buy-up the merchant plans."""

    __tablename__ = "purchase_plans"
    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)


class AssessmentRecord(Base):
    """The cashflow.v1 payload computed for an application, kept for audit and re-emission."""

    __tablename__ = "assessments"
    application_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # When the application's event was taken from the broker, and when its assessment was stored.
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
