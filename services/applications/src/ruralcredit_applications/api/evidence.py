"""Officer endpoints for seasonal evidence: uploaded account flows and purchase plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ruralcredit_applications import evidence, origination
from ruralcredit_applications.auth import OfficerCaller, SessionDep
from ruralcredit_applications.domain.evidence import CSV_PATTERN, PlanIn, flow_csv_rows
from ruralcredit_applications.orm import Merchant
from ruralcredit_applications.schemas import BatchOut
from ruralcredit_common.db import utcnow
from ruralcredit_common.http import SessionReleasingRoute
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["loan officers"], route_class=SessionReleasingRoute)


def consented_merchant(session: Any, merchant_id: str, caller: Any, scope: str | None) -> Merchant:
    """The merchant, if it exists and consented to the officer's institution using `scope` data
    (any of its data when `scope` is None)."""
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise HTTPException(404, "no such merchant")
    try:
        origination.consented(session, merchant_id, caller.institution_id, scope, utcnow())
    except origination.NotAllowed as exc:
        raise HTTPException(403, str(exc)) from None
    return merchant


CSV_DOC = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {
            "schema": {"type": "string", "pattern": CSV_PATTERN,
                       "description": "The header line, then one day a line; bad lines are reported by index, field and reason"},
            "example": "day,inflow,outflow\n2026-06-01,1200.00,350.00\n2026-06-02,800.00,90.50\n"}},
    }
}


@router.post("/merchants/{merchant_id}/account-flows", response_model=BatchOut, openapi_extra=CSV_DOC,
             summary="Upload a merchant's daily account flows (CSV: day,inflow,outflow)")
@raises(403)
async def upload_account_flows(merchant_id: str, request: Request, caller: OfficerCaller) -> Any:
    """Daily inflows and outflows from the merchant's bank or payment account; bad rows are reported."""
    raw = await request.body()
    runtime = request.app.state.runtime
    try:
        rows = flow_csv_rows(raw.decode("utf-8-sig"), runtime.settings.max_batch_rows)
    except UnicodeDecodeError:
        raise HTTPException(422, {"errors": [{"field": "(body)", "in": "body", "reason": "not UTF-8 text"}]}) from None
    except ValueError as exc:
        raise HTTPException(422, {"errors": [{"field": "(header)", "in": "body", "reason": str(exc)}]}) from None
    except OverflowError as exc:
        raise HTTPException(413, str(exc)) from None

    def store() -> dict[str, Any]:
        with runtime.factory() as session:
            merchant = consented_merchant(session, merchant_id, caller, "account_flows")
            result = evidence.uploaded_flows(session, merchant, rows, caller.officer)
            session.commit()
        runtime.relay.wake()
        return result.as_dict()

    return await run_in_threadpool(store)


class PlanOut(BaseModel):
    id: str
    merchant_id: str
    description: str
    amount: str
    start: dt.date
    end: dt.date


@router.post("/merchants/{merchant_id}/purchase-plans", status_code=201, response_model=PlanOut,
             summary="Record a seasonal purchase plan")
@raises(403)
def record_purchase_plan(merchant_id: str, body: PlanIn, request: Request, session: SessionDep, caller: OfficerCaller) -> PlanOut:
    """The merchant plans to buy up produce: the cash gap forecast takes it into account."""
    merchant = consented_merchant(session, merchant_id, caller, "purchase_plans")
    plan = evidence.record_plan(session, merchant, body, caller.officer)
    session.commit()
    request.app.state.runtime.relay.wake()
    return PlanOut(id=plan.id, merchant_id=merchant_id, description=plan.description, amount=f"{plan.amount:.2f}", start=plan.start, end=plan.end)
