"""cashflow.v1: a merchant's forecast and credit features for one application."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from ruralcredit_common.contracts._base import Money, Payload
from ruralcredit_common.contracts.envelope import Envelope, wrap

TOPIC = "cashflow.v1"
VERSION = 1
ASSESSED = "cashflow.assessed"


class CollectionsForecast(Payload):
    """Expected daily collections (payouts) from the day after as_of, in yuan."""

    start: dt.date
    p10: list[float] = Field(max_length=400)
    p50: list[float] = Field(max_length=400)
    p90: list[float] = Field(max_length=400)
    # Quantiles of the total over the requested term. Not the sums of the daily quantiles: bad
    # days do not all coincide, so the P10 of the total is well above the sum of daily P10s.
    term_p10: float | None = None
    term_p50: float | None = None
    term_p90: float | None = None


class CashflowAssessed(Payload):
    """What the lender needs to know about the money coming in, for one application."""

    application_id: str
    merchant_id: str
    amount: Money = Field(gt=0)
    term_days: int = Field(ge=7, le=365)
    as_of: dt.date
    settlement_lag_days: int = Field(ge=0, le=120)
    method: str
    features: dict[str, float]
    collections: CollectionsForecast
    payout_days: list[dt.date] = Field(default_factory=list, max_length=400)


def key(payload: CashflowAssessed) -> str:
    """Partition key: the merchant."""
    return payload.merchant_id


def event(payload: CashflowAssessed, *, producer: str = "cashflow") -> Envelope[CashflowAssessed]:
    """The envelope of an application's assessment, traced by the application's id."""
    return wrap(ASSESSED, VERSION, payload, producer=producer, key=key(payload), correlation_id=payload.application_id)
