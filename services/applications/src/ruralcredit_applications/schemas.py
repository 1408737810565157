"""Request and response bodies of the applications API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from ruralcredit_applications.domain.overrides import APPROVE_REASONS, DECLINE_REASONS, ReasonCode
from ruralcredit_common.calendar import Produce
from ruralcredit_common.contracts.what_if import MAX_AMOUNT
from ruralcredit_common.inputs import Day, Moment, integer, money, text

Name = Annotated[str, text(1, 120)]
Ref = Annotated[str, text(1, 64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlatformIn(_In):
    name: Name
    settlement_lag_days: Annotated[int, integer(0, 120)] = 15
    fee_rate: Annotated[Decimal, money(Decimal("0.5"), places=4, positive=False)] = Decimal("0.02")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Pinduoduo-like marketplace", "settlement_lag_days": 15, "fee_rate": "0.02"}]},
    )


class PlatformOut(BaseModel):
    id: str
    name: str
    settlement_lag_days: int
    fee_rate: Decimal


class KeyOut(BaseModel):
    key_id: str
    api_key: str = Field(description="Shown once; only its hash is stored")


class PlatformCreated(PlatformOut):
    key: KeyOut


class InstitutionIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Tianyang County Rural Commercial Bank"}]})
    name: Name


class InstitutionOut(BaseModel):
    id: str
    name: str


class OfficerIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Li Mei"}]})
    name: Name


class OfficerCreated(BaseModel):
    id: str
    institution_id: str
    name: str
    key: KeyOut


class MerchantIn(_In):
    # The path names the merchant. Clients that repeat it here still may, if it is the same;
    # the document leaves it out, as a rule tying two values is one JSON Schema cannot state.
    merchant_ref: SkipJsonSchema[Ref | None] = None
    name: Name
    county: Annotated[str, text(1, 80)]
    category: Annotated[str, text(1, 40)]
    onboarded_on: Day
    # The main produce, when the merchant's sales follow its harvest: the cash-flow forecast and
    # the harvest features use its season. Left out for shops that sell all year.
    produce: Produce | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Baise Mango Farm", "county": "Tianyang, Guangxi", "category": "fruit", "onboarded_on": "2024-03-01", "produce": "mango"}]},
    )


class MerchantOut(BaseModel):
    id: str
    platform_id: str
    merchant_ref: str
    name: str
    county: str
    category: str
    onboarded_on: dt.date
    produce: str | None


class BatchIn(BaseModel):
    """A batch of rows; each row is validated on its own."""

    rows: list[Any] = Field(description="Rows of the batch; bad rows are reported, good ones stored")


class RowErrorOut(BaseModel):
    index: int
    field: str
    reason: str


class BatchOut(BaseModel):
    received: int
    accepted: int
    duplicates: list[int]
    rejected: int
    errors: list[RowErrorOut]


class ConsentIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "granted_by": "Huang Wei (farm owner)", "granted_at": "2026-06-01T09:30:00+08:00",
        "scope": ["sales", "payouts", "account_flows", "purchase_plans"], "expires_at": "2027-06-01T00:00:00+08:00"}]})
    granted_by: Name = Field(description="Who gave the consent for the merchant")
    granted_at: Moment
    scope: list[Literal["sales", "refunds", "payouts", "account_flows", "purchase_plans"]] = Field(min_length=1, max_length=5)
    expires_at: Moment = Field(description="After granted_at")


class ConsentOut(BaseModel):
    id: str
    merchant_id: str
    institution_id: str
    granted_by: str
    granted_at: dt.datetime
    scope: list[str]
    expires_at: dt.datetime


Purpose = Literal["harvest_purchase", "festival_stock", "working_capital", "equipment", "other"]


class ApplicationIn(_In):
    merchant_id: Ref
    amount: Annotated[Decimal, money(MAX_AMOUNT)]
    term_days: Annotated[int, integer(7, 365)]
    purpose: Purpose

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"merchant_id": "mer_1a2b3c4d5e6f7a8b", "amount": "30000.00", "term_days": 90, "purpose": "harvest_purchase"}]},
    )


class OverrideIn(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "approve", "reason_code": "purchase_contract",
        "reason": "Visited the orchard; a signed purchase contract with the county co-op covers the repayment",
        "amount": "20000.00", "term_days": 90}]})
    outcome: Literal["approve", "decline"]
    reason_code: ReasonCode = Field(
        description="The ground, from a fixed list: " + "; ".join(f"{k}: {v}" for k, v in {**APPROVE_REASONS, **DECLINE_REASONS}.items())
        + "; other: explained in `reason`. A ground to approve cannot decline, and the other way round.")
    reason: Annotated[str, text(5, 500, lines=True)]
    amount: Annotated[Decimal, money(MAX_AMOUNT)] | None = Field(
        default=None, description="approve only: the amount lent; by default the model's proposed limit, else the amount requested. "
        "Never above the amount requested or the product maximum (422 otherwise)")
    term_days: Annotated[int, integer(7, 365)] | None = Field(
        default=None, description="approve only: the term; by default the model's, else the one requested; within the product's term range")


class OverrideOut(BaseModel):
    officer_id: str
    outcome: str
    direction: str | None = Field(description="what the application was and what the officer made it, e.g. decline_to_approve")
    reason_code: str | None
    reason: str
    model_outcome: str | None = Field(description="the model's decision, kept as it was made")
    grade: str | None
    amount: Decimal | None = Field(description="the amount approved on, for an approval")
    term_days: int | None
    at: dt.datetime


class ApplicationOut(BaseModel):
    id: str
    merchant_id: str
    institution_id: str
    officer_id: str
    amount: Decimal
    term_days: int
    purpose: str
    status: str
    grade: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    decision: dict[str, Any] | None = None
    override: OverrideOut | None = None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None


class AuditOut(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    detail: dict[str, Any]
    model_version: str | None
