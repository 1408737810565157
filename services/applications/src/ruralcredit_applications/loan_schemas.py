"""Request and response bodies of the loan endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ruralcredit_common.contracts.what_if import MAX_AMOUNT
from ruralcredit_common.inputs import Day, money, text

# The rate as a fraction, up to the highest legal ceiling the scorer accepts.
AnnualRate = Annotated[Decimal, money(Decimal("0.36"), places=6, positive=False)]


class DisbursementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"amount": "30000.00", "disbursed_on": "2026-07-01", "external_ref": "CBS-2026-000123"}]})
    amount: Annotated[Decimal, money(MAX_AMOUNT)] = Field(description="Paid out; at most the approved limit")
    disbursed_on: Day = Field(description="The business day the money was paid out; not in the future")
    annual_rate: AnnualRate | None = Field(
        default=None, description="The contract rate as a fraction; by default the decision's price (required when the approval has none)")
    external_ref: Annotated[str, text(1, 64)] | None = Field(default=None, description="The loan's reference in the bank's core system")


class WriteOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "Merchant left the platform; collection exhausted after 120 days"}]})
    reason: Annotated[str, text(5, 500, lines=True)]


class InstalmentOut(BaseModel):
    seq: int
    due: dt.date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    paid_on: dt.date | None


class LoanOut(BaseModel):
    id: str
    application_id: str
    merchant_id: str
    institution_id: str
    platform_id: str
    external_ref: str | None
    amount: Decimal
    annual_rate: Decimal
    term_days: int
    disbursed_on: dt.date
    status: str
    days_past_due: int
    max_days_past_due: int
    default_after_days: int
    outstanding_principal: Decimal
    closed_on: dt.date | None
    schedule: list[InstalmentOut]


class LoanPage(BaseModel):
    items: list[LoanOut]
    next_cursor: str | None


class RepaymentOut(BaseModel):
    repayment_id: str
    source: str
    paid_at: dt.datetime
    amount: Decimal
    interest: Decimal
    principal: Decimal
    unallocated: Decimal
    payout_id: str | None
    recorded_at: dt.datetime
