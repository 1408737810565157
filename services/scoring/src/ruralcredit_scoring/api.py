"""Scoring HTTP API: what-if decisions and batch re-scoring of a portfolio (internal callers;
loan officers reach what-if through the applications service)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ruralcredit_common.contracts.decisions import DecisionMade
from ruralcredit_common.db import utcnow
from ruralcredit_common.http import body_schema, internal_caller
from ruralcredit_scoring.convert import to_contract

router = APIRouter(prefix="/v1", tags=["scoring"], dependencies=[Depends(internal_caller)])

# Finite and within a billion yuan: an infinite or absurd figure is a 422, not a failed sum.
Yuan = Annotated[float, Field(allow_inf_nan=False, ge=-1e9, le=1e9)]
Daily = Annotated[list[Yuan], Field(max_length=400)]
Figure = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]


class WhatIfCollections(BaseModel):
    """Expected daily collections from the day after as_of, as the cashflow service forecasts them
    (cashflow.v1's `collections`, which can be pasted in whole)."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date | None = None
    p10: Daily
    p50: Daily = []
    p90: Daily = []
    # P10 of the total over the requested term; without it the sum of daily P10s stands in.
    term_p10: Yuan | None = Field(default=None, ge=0)
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

    application_id: str = Field(default="what-if", max_length=40)
    merchant_id: str = Field(max_length=40)
    amount: Decimal = Field(gt=0, le=Decimal("5000000"), decimal_places=2)
    term_days: int = Field(ge=7, le=365)
    as_of: dt.date
    settlement_lag_days: int = Field(default=15, ge=0, le=120)
    features: dict[Annotated[str, Field(max_length=64)], Figure] = Field(max_length=200)
    collections: WhatIfCollections
    payout_days: list[dt.date] = Field(default_factory=list, max_length=400)
    existing_exposure: Decimal = Field(default=Decimal("0.00"), ge=0)


_WHAT_IF_BODY = {"required": True, "content": {"application/json": {"schema": body_schema(WhatIf)}}}


@router.post(
    "/score", response_model=DecisionMade, openapi_extra={"requestBody": _WHAT_IF_BODY},
    summary="What-if: decide an application without recording it",
)
async def what_if(request: Request) -> Response:
    """The decision the promoted model and policy would make, with reasons; nothing is stored."""
    # Validated straight from the bytes: parsing into Python objects first and validating those,
    # as FastAPI does, took four times as long for a body with daily forecasts.
    try:
        body = WhatIf.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]) from None
    # Scoring takes well under a millisecond: done inline, a thread hop would cost more.
    decision = request.app.state.engine.decide(body.model_dump(), body.existing_exposure)
    # The payload is built and validated by to_contract; serialising it again through the
    # response model would only validate it twice.
    return Response(to_contract(decision, utcnow()).model_dump_json(), media_type="application/json")


class BatchIn(BaseModel):
    """Feature rows of a portfolio to re-score."""

    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, float | str | None]] = Field(min_length=1)


class Scored(BaseModel):
    pd: float
    grade: str


class BatchOut(BaseModel):
    model_version: str
    results: list[Scored]


@router.post("/score:batch", response_model=BatchOut, summary="PD and grade for many feature rows")
async def score_batch(body: BatchIn, request: Request) -> BatchOut:
    """Re-score a portfolio: PD and grade per row, in order."""
    limit = request.app.state.runtime.settings.max_batch_rows
    if len(body.rows) > limit:
        raise HTTPException(413, f"at most {limit} rows per batch")
    scorer = request.app.state.engine.scorer
    frame = pd.DataFrame.from_records(body.rows)
    scored = await run_in_threadpool(scorer.score_frame, frame)
    return BatchOut(
        model_version=scorer.version,
        results=[Scored(pd=float(p), grade=str(g)) for p, g in zip(scored["pd"], scored["grade"], strict=True)],
    )


class ModelOut(BaseModel):
    version: str
    promoted: bool
    metrics: dict[str, float | None] = {}


@router.get("/models", response_model=list[ModelOut], summary="Registered model versions")
def models(request: Request) -> list[ModelOut]:
    """The registry's versions, newest first, and which one is promoted."""
    reg = request.app.state.engine.registry
    promoted = reg.promoted_version()
    out = []
    for m in reg.list():
        metrics = {k: v for k, v in (m.get("metrics") or {}).items() if isinstance(v, int | float)}
        out.append(ModelOut(version=m["version"], promoted=m["version"] == promoted, metrics=metrics))
    return out
