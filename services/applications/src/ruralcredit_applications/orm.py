"""Tables of the applications service (SQLAlchemy 2.x)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ruralcredit_common.db import BigId, UtcDateTime, make_base, utcnow

Base: Any = make_base()
MONEY = Numeric(14, 2)
TS = UtcDateTime()


class Platform(Base):
    """An e-commerce platform that pushes its merchants' sales."""

    __tablename__ = "platforms"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    settlement_lag_days: Mapped[int] = mapped_column(Integer, default=15)
    fee_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.0200"))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class Institution(Base):
    """A lending institution (rural bank) whose loan officers use the service."""

    __tablename__ = "institutions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class Officer(Base):
    """A loan officer of an institution."""

    __tablename__ = "officers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class ApiKey(Base):
    """A hashed API key of a platform, an officer or a bank's core system; revocable."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(40))
    platform_id: Mapped[str | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officers.id"), index=True)
    # A key of an institution's core banking system (no officer): it records disbursements and repayments.
    institution_id: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TS)


class Merchant(Base):
    """A seller registered by a platform under the platform's own reference."""

    __tablename__ = "merchants"
    __table_args__ = (UniqueConstraint("platform_id", "external_ref"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform_id: Mapped[str] = mapped_column(ForeignKey("platforms.id"))
    external_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    county: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    onboarded_on: Mapped[dt.date] = mapped_column(Date)
    produce: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class Order(Base):
    """One sold order as pushed by its platform."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("platform_id", "order_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[str] = mapped_column(String(64))
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    sold_at: Mapped[dt.datetime] = mapped_column(TS)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    refunded: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    category: Mapped[str] = mapped_column(String(40))


class Refund(Base):
    """Money returned on an order."""

    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("platform_id", "refund_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(String(40))
    refund_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(64))
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    refunded_at: Mapped[dt.datetime] = mapped_column(TS)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class Payout(Base):
    """A settlement the platform paid the merchant."""

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("platform_id", "payout_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    platform_id: Mapped[str] = mapped_column(String(40))
    payout_id: Mapped[str] = mapped_column(String(64))
    merchant_id: Mapped[str] = mapped_column(String(40), index=True)
    paid_at: Mapped[dt.datetime] = mapped_column(TS)
    amount: Mapped[Decimal] = mapped_column(MONEY)


class IdempotentResponse(Base):
    """The first answer to a batch sent with an Idempotency-Key, replayed on a retry."""

    __tablename__ = "idempotent_responses"
    caller: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class Consent(Base):
    """A merchant's consent for an institution to use its platform data."""

    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    granted_by: Mapped[str] = mapped_column(String(120))
    granted_at: Mapped[dt.datetime] = mapped_column(TS)
    scope: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(TS)
    recorded_by: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TS)


class Application(Base):
    """A merchant's request for a loan and where it stands."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_inst_created", "institution_id", "created_at", "id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    term_days: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    grade: Mapped[str | None] = mapped_column(String(2))
    # Why the suite, not the model, set the status (e.g. referred: could not be decided automatically).
    status_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class Decision(Base):
    """The scorer's decision, kept as it was made; an override never replaces it."""

    __tablename__ = "decisions"
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))
    pd: Mapped[float]
    model_version: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    decided_at: Mapped[dt.datetime] = mapped_column(TS)
    # When this service stored it: submitted → recorded is the latency the officer sees.
    recorded_at: Mapped[dt.datetime | None] = mapped_column(TS, default=utcnow)


class Override(Base):
    """An officer's final word against or on the model's decision, with a reason code and the reason in words."""

    __tablename__ = "overrides"
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"))
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    # e.g. decline_to_approve: what the application was when the officer overrode it, and what it became.
    direction: Mapped[str | None] = mapped_column(String(30))
    model_outcome: Mapped[str | None] = mapped_column(String(10))
    grade: Mapped[str | None] = mapped_column(String(2))
    # The terms an officer approved on (within the product's limits); none for a decline.
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    term_days: Mapped[int | None] = mapped_column(Integer)


class AuditEntry(Base):
    """Append-only record of every change to an application."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), index=True)
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class AccountFlowDay(Base):
    """A day of a merchant's payment or bank account, as reported (the latest report wins)."""

    __tablename__ = "account_flow_days"
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    inflow: Mapped[Decimal] = mapped_column(MONEY)
    outflow: Mapped[Decimal] = mapped_column(MONEY)
    source: Mapped[str] = mapped_column(String(20))
    reported_by: Mapped[str] = mapped_column(String(40))
    reported_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)


class PurchasePlan(Base):
    """A seasonal buy-up the merchant plans (e.g. 40,000 CNY of mangoes, 20 June to 10 July)."""

    __tablename__ = "purchase_plans"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(TS, default=utcnow)
