"""decisions.v1: the scorer's decision on an application, with its reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from ruralcredit_common.contracts._base import Money, Payload
from ruralcredit_common.contracts.envelope import Envelope, wrap

TOPIC = "decisions.v1"
VERSION = 1
MADE = "decision.made"

Outcome = Literal["approve", "refer", "decline"]


Rate = Annotated[Decimal, Field(ge=0, le=1, decimal_places=6)]


class RateComponents(Payload):
    """The annual rate and what it is made of, as fractions ("0.031" = 3.1%)."""

    benchmark: Rate
    funding_and_operating: Rate
    expected_loss: Rate
    margin: Rate
    uncapped: Rate
    annual_rate: Rate
    capped: bool


class Instalment(Payload):
    """One repayment due on one of the merchant's payout dates."""

    due: dt.date
    amount: Money
    principal: Money
    interest: Money


class Reason(Payload):
    """One factor that pushed the score down, in plain words."""

    code: str
    feature: str
    text_en: str
    text_zh: str
    contribution: float
    value: float | None = None
    to_improve: str | None = None


class DecisionMade(Payload):
    """Approve, refer or decline, with limit, term, price, schedule and reasons."""

    application_id: str
    merchant_id: str
    outcome: Outcome
    pd: float = Field(ge=0, le=1)
    grade: str
    limit: Money = Field(ge=0)
    term_days: int = Field(ge=0, le=400)
    rate: RateComponents | None
    schedule: list[Instalment] = Field(default_factory=list, max_length=400)
    reasons: list[Reason] = Field(default_factory=list, max_length=20)
    policy_rule: str | None = None
    limit_binding: str = Field(default="", description="what set the limit: p10_collections, product_max, requested, exposure_cap…")
    repayment_share: Decimal | None = Field(default=None, description="share of each payout that repays, when repaid by share")
    model_version: str
    policy_version: str
    features: dict[str, float] = Field(default_factory=dict)
    decided_at: dt.datetime


def key(payload: DecisionMade) -> str:
    """Partition key: the merchant."""
    return payload.merchant_id


def event(payload: DecisionMade, *, producer: str = "scoring") -> Envelope[DecisionMade]:
    """The envelope of a decision, traced by the application's id."""
    return wrap(MADE, VERSION, payload, producer=producer, key=key(payload), correlation_id=payload.application_id)
