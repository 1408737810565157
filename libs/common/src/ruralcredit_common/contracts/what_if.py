"""The what-if request: the body of the scoring service's POST /v1/score, which the applications
service forwards for loan officers (POST /v1/what-if). Declared once for both documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ruralcredit_common.inputs import MAX_MONEY, Day, integer, keys_named, money, number, text

# The largest loan anyone may ask for.
MAX_AMOUNT = Decimal("5000000")

# Finite and within a billion yuan: an infinite or absurd figure is a 422, not a failed sum.
Yuan = Annotated[float, number(-1e9, 1e9)]
Daily = Annotated[list[Yuan], Field(max_length=400)]


FeatureName = Annotated[str, text(1, 64)]


class WhatIfCollections(BaseModel):
    """Expected daily collections from the day after as_of, as the cashflow service forecasts them
    (cashflow.v1's `collections`, which can be pasted in whole)."""

    model_config = ConfigDict(extra="forbid")

    start: Day | None = None
    p10: Daily
    p50: Daily = []
    p90: Daily = []
    # P10 of the total over the requested term; without it the sum of daily P10s stands in.
    term_p10: Annotated[float, number(0, 1e9)] | None = None
    # Accepted so that a cashflow.v1 forecast can be sent as it is; the decision uses the P10.
    term_p50: Yuan | None = None
    term_p90: Yuan | None = None


class WhatIf(BaseModel):
    """An application as the cashflow service would describe it, with any values changed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "application_id": "what-if-1",
                    "merchant_id": "mer_1",
                    "amount": "30000.00",
                    "term_days": 90,
                    "as_of": "2026-06-01",
                    "settlement_lag_days": 15,
                    "features": {"history_days": 700, "coverage_p10": 1.4, "coverage_p50": 2.1, "refund_rate": 0.04},
                    "collections": {
                        "start": "2026-06-02",
                        "p10": [400.0] * 105,
                        "p50": [600.0] * 105,
                        "p90": [900.0] * 105,
                    },
                }
            ]
        },
    )

    application_id: Annotated[str, text(1, 40)] = "what-if"
    merchant_id: Annotated[str, text(1, 40)]
    amount: Annotated[Decimal, money(MAX_AMOUNT)]
    term_days: Annotated[int, integer(7, 365)]
    as_of: Day
    settlement_lag_days: Annotated[int, integer(0, 120)] = 15
    features: dict[FeatureName, Annotated[float, number(-1e12, 1e12)]] = Field(
        max_length=200,
        description="Credit features by name. Without history_days or coverage_p10 the policy has no evidence "
        "to approve on: the answer is then a referral or a decline, never an approval.",
        json_schema_extra=keys_named(64),
    )
    collections: WhatIfCollections
    payout_days: list[Day] = Field(default_factory=list, max_length=400)
    existing_exposure: Annotated[Decimal, money(MAX_MONEY, positive=False)] = Decimal("0.00")
