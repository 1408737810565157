"""Scoring HTTP API: what-if decisions and batch re-scoring of a portfolio (internal callers;
loan officers reach what-if through the applications service)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from ruralcredit_common.contracts.decisions import DecisionMade
from ruralcredit_common.contracts.what_if import FeatureName, WhatIf
from ruralcredit_common.db import utcnow
from ruralcredit_common.http import body_schema, internal_caller
from ruralcredit_common.inputs import keys_named, number
from ruralcredit_scoring.to_events import to_contract

router = APIRouter(prefix="/v1", tags=["scoring"], dependencies=[Depends(internal_caller)])

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


Value = Annotated[float, number(-1e12, 1e12)] | StrictStr | None


class BatchIn(BaseModel):
    """Feature rows of a portfolio to re-score."""

    model_config = ConfigDict(extra="forbid")
    rows: list[Annotated[dict[FeatureName, Value], Field(max_length=200, json_schema_extra=keys_named(64))]] = Field(
        min_length=1,
        description="Feature values by name: numbers for the model's numeric features, names for its categorical "
        "and ordinal ones, null (or left out) when missing. Other names are ignored.",
    )


def _numeric_strings(rows: list[dict[str, Any]], numeric: set[str]) -> list[dict[str, str]]:
    """Where a row gives text for a feature the model reads as a number."""
    return [
        {"field": f"rows.{i}.{name}", "in": "body", "reason": "must be a number (or null) for this model"}
        for i, row in enumerate(rows)
        for name, value in row.items()
        if name in numeric and isinstance(value, str)
    ]


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
    # Categorical and ordinal features take their names as text; the others are numbers.
    bad = _numeric_strings(body.rows, set(scorer.features) - set(scorer.categories) - set(scorer.levels))
    if bad:
        raise HTTPException(422, {"errors": bad[:50]})
    # One result per row in, in order: an empty row is scored with every feature missing
    # (from_records would make no row at all of it).
    frame = pd.DataFrame(body.rows, index=range(len(body.rows)))
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
        metrics: dict[str, float | None] = {k: v for k, v in (m.get("metrics") or {}).items() if isinstance(v, int | float)}
        out.append(ModelOut(version=m["version"], promoted=m["version"] == promoted, metrics=metrics))
    return out
