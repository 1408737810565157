"""loans.v1: what happened to a loan after approval: disbursed, repaid in part, in arrears,
defaulted, repaid in full or written off. The outcomes a lender's next model learns from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from ruralcredit_common.contracts._base import Money, Payload
from ruralcredit_common.contracts.envelope import Envelope, wrap

TOPIC = "loans.v1"
VERSION = 1
DISBURSED = "loan.disbursed"
REPAYMENT_RECORDED = "loan.repayment_recorded"
ARREARS_CHANGED = "loan.arrears_changed"
DEFAULTED = "loan.defaulted"
REPAID = "loan.repaid"
WRITTEN_OFF = "loan.written_off"
TYPES = (DISBURSED, REPAYMENT_RECORDED, ARREARS_CHANGED, DEFAULTED, REPAID, WRITTEN_OFF)

Bucket = Literal["current", "1-29", "30-59", "60-89", "90+"]
Status = Literal["disbursed", "current", "in_arrears", "defaulted", "repaid", "written_off"]
Rate = Annotated[Decimal, Field(ge=0, le=1, decimal_places=6)]


class _LoanEvent(Payload):
    loan_id: str = Field(max_length=40)
    application_id: str = Field(max_length=40)
    merchant_id: str = Field(max_length=40)


class ScheduledInstalment(Payload):
    """One instalment as scheduled at disbursement, due on a payout date."""

    due: dt.date
    principal: Money = Field(ge=0)
    interest: Money = Field(ge=0)


class LoanDisbursed(_LoanEvent):
    """The approved loan was paid out: amount, price, schedule and the decision it rests on."""

    institution_id: str = Field(max_length=40)
    platform_id: str = Field(max_length=40)
    amount: Money = Field(gt=0)
    annual_rate: Rate
    term_days: int = Field(ge=1, le=400)
    disbursed_on: dt.date
    schedule: list[ScheduledInstalment] = Field(min_length=1, max_length=400)
    default_after_days: int = Field(ge=1, le=720, description="days past due at which this loan counts as defaulted")
    overridden: bool = Field(description="an officer approved it against the model's outcome")
    model_outcome: str | None = Field(default=None, max_length=10, description="the model's own outcome: approve, refer, decline")
    grade: str | None = Field(default=None, max_length=2)
    pd: float | None = Field(default=None, ge=0, le=1)
    model_version: str | None = Field(default=None, max_length=60)


class RepaymentRecorded(_LoanEvent):
    """A repayment allocated to interest, then principal, oldest instalment first."""

    repayment_id: str = Field(max_length=64)
    source: Literal["platform", "bank"]
    paid_at: dt.datetime
    amount: Money = Field(gt=0)
    interest: Money = Field(ge=0)
    principal: Money = Field(ge=0)
    unallocated: Money = Field(ge=0, description="paid beyond everything owed: to be returned")
    outstanding_principal: Money = Field(ge=0)
    days_past_due: int = Field(ge=0)


class ArrearsChanged(_LoanEvent):
    """The loan moved to another arrears bucket."""

    as_of: dt.date
    days_past_due: int = Field(ge=0)
    bucket: Bucket
    previous_bucket: Bucket
    status: Status


class LoanDefaulted(_LoanEvent):
    """The loan reached the default definition in force when it was disbursed."""

    defaulted_on: dt.date
    days_past_due: int = Field(ge=0)
    default_after_days: int = Field(ge=1, le=720)
    outstanding_principal: Money = Field(ge=0)


class LoanRepaid(_LoanEvent):
    """Every instalment was paid."""

    repaid_on: dt.date
    total_paid: Money = Field(ge=0)
    max_days_past_due: int = Field(ge=0)


class LoanWrittenOff(_LoanEvent):
    """The lender gave up on what is left: a loss."""

    written_off_on: dt.date
    outstanding_principal: Money = Field(ge=0)
    reason: str = Field(max_length=500)


LoanEvent = LoanDisbursed | RepaymentRecorded | ArrearsChanged | LoanDefaulted | LoanRepaid | LoanWrittenOff
PAYLOADS: dict[str, type[LoanEvent]] = {
    DISBURSED: LoanDisbursed, REPAYMENT_RECORDED: RepaymentRecorded, ARREARS_CHANGED: ArrearsChanged,
    DEFAULTED: LoanDefaulted, REPAID: LoanRepaid, WRITTEN_OFF: LoanWrittenOff,
}
_TYPE_OF = {model: name for name, model in PAYLOADS.items()}


def key(payload: LoanEvent) -> str:
    """Partition key: the merchant, so a loan's events follow its merchant's other events."""
    return payload.merchant_id


def event(payload: LoanEvent, *, producer: str = "applications") -> Envelope[LoanEvent]:
    """The envelope of a loan event, traced by its application's id."""
    return wrap(_TYPE_OF[type(payload)], VERSION, payload, producer=producer, key=key(payload),
                correlation_id=payload.application_id)
