"""Officer views served by the other services: a merchant's forecast and what-if scoring.
The applications service checks the officer's key and the merchant's consent, then asks the
owning service with the suite's service key."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ruralcredit_applications.api.evidence import consented_merchant
from ruralcredit_applications.auth import OfficerCaller
from ruralcredit_common.contracts.decisions import DecisionMade
from ruralcredit_common.contracts.what_if import WhatIf
from ruralcredit_common.http import SessionReleasingRoute, body_schema
from ruralcredit_common.logging import request_id_var
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["loan officers"], route_class=SessionReleasingRoute)


async def _forward(request: Request, method: str, url: str, **kw: Any) -> Response:
    settings = request.app.state.runtime.settings
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            headers = {"X-API-Key": settings.service_api_key, "content-type": "application/json",
                       "X-Request-ID": request_id_var.get() or ""}
            r = await client.request(method, url, headers=headers, **kw)
    except httpx.HTTPError:
        raise HTTPException(503, "the forecasting or scoring service is not reachable; try again shortly") from None
    if r.status_code >= 500:
        raise HTTPException(503, "the forecasting or scoring service failed; try again shortly")
    # Passed on as sent: a problem from the other service stays application/problem+json.
    return Response(r.content, status_code=r.status_code, media_type=r.headers.get("content-type"))


@router.get("/merchants/{merchant_id}/forecast", summary="A merchant's sales and collections forecast (P10/P50/P90)")
@raises(403, 503)
async def merchant_forecast(
    merchant_id: str, request: Request, caller: OfficerCaller,
    horizon: Annotated[int, Query(ge=1, le=365, description="days ahead")] = 90,
) -> Any:
    """Plot-friendly daily forecast: dates, sales and collections bands; needs the merchant's consent."""

    def check() -> None:
        # Off the event loop, and done before the call to cashflow: no connection is held across it.
        with request.app.state.runtime.factory() as session:
            consented_merchant(session, merchant_id, caller, "sales")

    await run_in_threadpool(check)
    base = request.app.state.runtime.settings.cashflow_url
    return await _forward(request, "GET", f"{base}/v1/merchants/{merchant_id}/forecast", params={"horizon": horizon})


@router.post("/what-if", summary="What-if: how would this application be decided?", response_model=DecisionMade,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": body_schema(WhatIf)}}}})
@raises(503)
async def what_if(request: Request, caller: OfficerCaller) -> Any:
    """Forwards a what-if request (the scoring service's `/v1/score` body) and returns the decision."""
    body = await request.body()
    base = request.app.state.runtime.settings.scoring_url
    return await _forward(request, "POST", f"{base}/v1/score", content=body)
