"""The baseline for the HTTP what-if benchmark: a bare FastAPI endpoint with the same request and
response shapes as the scoring service's `POST /v1/score`, answering a fixed decision."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from ruralcredit_common.contracts.decisions import DecisionMade
from ruralcredit_scoring.api import WhatIf

app = FastAPI()
FIXED = DecisionMade(
    application_id="what-if", merchant_id="m", outcome="approve", pd=0.02, grade="B", limit="10000.00", term_days=60,
    rate=None, model_version="bare", policy_version="bare", decided_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
)


@app.post("/v1/score", response_model=DecisionMade)
async def score(body: WhatIf) -> DecisionMade:
    """Parse the request, answer the same shape, decide nothing."""
    return FIXED.model_copy(update={"application_id": body.application_id, "merchant_id": body.merchant_id})
