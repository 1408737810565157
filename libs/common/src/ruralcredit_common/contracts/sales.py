"""sales.v1: what a merchant sold, refunded and was paid, plus account flows and purchase plans."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from ruralcredit_common.contracts._base import Money, Payload
from ruralcredit_common.contracts.envelope import Envelope, wrap

TOPIC = "sales.v1"
# Bounds one event's size (a day of one merchant is about 200 bytes on the wire).
MAX_MERCHANTS_PER_EVENT = 500
VERSION = 1
DAILY_SALES = "sales.daily_recorded"
DAILY_SALES_BATCH = "sales.daily_batch_recorded"
ACCOUNT_FLOWS = "sales.account_flows_recorded"
PURCHASE_PLAN = "sales.purchase_plan_recorded"


class DailyTotals(Payload):
    """Increments to one business day (Asia/Shanghai) of one merchant's series."""

    day: dt.date
    orders: int = Field(ge=0)
    gross_sales: Money = Field(ge=0)
    refunds: Money = Field(ge=0)
    payouts: Money = Field(ge=0)


class DailySalesRecorded(Payload):
    """One ingested batch's increments for one merchant, grouped by day."""

    merchant_id: str
    platform_id: str
    settlement_lag_days: int = Field(ge=0, le=120)
    fee_rate: float = Field(ge=0, le=0.5)
    days: list[DailyTotals] = Field(min_length=1)
    # The merchant's main produce when it has a harvest season (calendar.CATEGORIES: mango,
    # tea…); null for shops that sell all year. A plain string, so that a name a consumer does
    # not know yet costs it the harvest features, not the sales. Events from producers older
    # than this field lack it: consumers then keep what they knew (deploy/README.md: upgrade order).
    produce: str | None = Field(default=None, max_length=40)


class DailySalesBatchRecorded(Payload):
    """One ingested batch's increments for several merchants that share a partition.

    A platform's batch names many merchants: one event per partition instead of one per
    merchant keeps the events few however many merchants sell. Every merchant in it hashes to
    the partition of the event's key, so each merchant's evidence stays on one partition.
    """

    merchants: list[DailySalesRecorded] = Field(min_length=1, max_length=MAX_MERCHANTS_PER_EVENT)


class AccountFlowDay(Payload):
    """One day of a merchant's payment or bank account: money in and money out."""

    day: dt.date
    inflow: Money = Field(ge=0)
    outflow: Money = Field(ge=0)


FlowSource = Literal["payment_platform", "officer_upload"]


class AccountFlowsRecorded(Payload):
    """Daily account flows reported for a merchant (replace earlier values for those days)."""

    merchant_id: str
    source: FlowSource
    days: list[AccountFlowDay] = Field(min_length=1)


class PurchasePlanRecorded(Payload):
    """A seasonal buy-up the merchant plans, e.g. mangoes between 20 June and 10 July."""

    merchant_id: str
    plan_id: str
    description: str = Field(max_length=200)
    amount: Money = Field(gt=0)
    start: dt.date
    end: dt.date


SalesEvent = DailySalesRecorded | DailySalesBatchRecorded | AccountFlowsRecorded | PurchasePlanRecorded
_TYPES: dict[type, str] = {
    DailySalesRecorded: DAILY_SALES, DailySalesBatchRecorded: DAILY_SALES_BATCH,
    AccountFlowsRecorded: ACCOUNT_FLOWS, PurchasePlanRecorded: PURCHASE_PLAN,
}


def key(payload: SalesEvent) -> str:
    """Partition key: one merchant's events stay in order on one partition (a batch's merchants share one)."""
    return payload.merchants[0].merchant_id if isinstance(payload, DailySalesBatchRecorded) else payload.merchant_id


def event(payload: SalesEvent, *, producer: str = "applications") -> Envelope[SalesEvent]:
    """The envelope of a merchant's sales evidence, its type named by the payload's kind."""
    return wrap(_TYPES[type(payload)], VERSION, payload, producer=producer, key=key(payload))
