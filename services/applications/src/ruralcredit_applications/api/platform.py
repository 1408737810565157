"""Platform endpoints: register merchants and push orders, refunds and payouts in batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralcredit_applications import evidence, ingest
from ruralcredit_applications.api.batches import batch_doc, batch_endpoint
from ruralcredit_applications.auth import Caller, PlatformCaller, SessionDep
from ruralcredit_applications.domain.evidence import PlatformFlowRow
from ruralcredit_applications.domain.sales import OrderRow, PayoutRow, RefundRow
from ruralcredit_applications.orm import Merchant
from ruralcredit_applications.schemas import BatchOut, MerchantIn, MerchantOut
from ruralcredit_common.http import SessionReleasingRoute
from ruralcredit_common.ids import new_id
from ruralcredit_common.inputs import REF_PATTERN
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["platforms"], route_class=SessionReleasingRoute)

MerchantRef = Annotated[str, Path(min_length=1, max_length=64, pattern=REF_PATTERN, examples=["shop-1024"],
                                  description="The platform's own reference for the merchant")]


def merchant_out(m: Merchant) -> MerchantOut:
    """The API shape of a merchant."""
    return MerchantOut(
        id=m.id, platform_id=m.platform_id, merchant_ref=m.external_ref, name=m.name,
        county=m.county, category=m.category, onboarded_on=m.onboarded_on, produce=m.produce,
    )


@router.put("/platform/merchants/{merchant_ref}", response_model=MerchantOut)
@raises(409)
def register_merchant(merchant_ref: MerchantRef, body: MerchantIn, session: SessionDep, caller: PlatformCaller) -> MerchantOut:
    """Register (or update) one of the platform's merchants under the platform's own reference."""
    if body.merchant_ref not in (None, merchant_ref):
        raise HTTPException(422, {"errors": [{"field": "merchant_ref", "in": "body", "reason": "differs from the path"}]})
    merchant = session.scalar(
        select(Merchant).where(Merchant.platform_id == caller.platform_id, Merchant.external_ref == merchant_ref)
    )
    if merchant is None:
        merchant = Merchant(id=new_id("mer"), platform_id=caller.platform_id, external_ref=merchant_ref)
        session.add(merchant)
    merchant.name, merchant.county, merchant.category, merchant.onboarded_on = body.name, body.county, body.category, body.onboarded_on
    merchant.produce = body.produce
    try:
        session.commit()
    except IntegrityError:
        raise HTTPException(409, "merchant registered concurrently; retry") from None
    return merchant_out(merchant)


@router.get("/platform/merchants/{merchant_ref}", response_model=MerchantOut)
def get_merchant(merchant_ref: MerchantRef, session: SessionDep, caller: PlatformCaller) -> MerchantOut:
    """One of the platform's own merchants; another platform's reference is simply not found."""
    merchant = session.scalar(
        select(Merchant).where(Merchant.platform_id == caller.platform_id, Merchant.external_ref == merchant_ref)
    )
    if merchant is None:
        raise HTTPException(404, "no such merchant")
    return merchant_out(merchant)


def _account_flows(session: Session, platform_id: str, rows: list[Any], **_: Any) -> ingest.BatchResult:
    return evidence.platform_flows(session, platform_id, rows)


_ROWS_DOC = {
    "orders": OrderRow, "refunds": RefundRow, "payouts": PayoutRow, "account-flows": PlatformFlowRow,
}


def _for_platform(ingest_fn: Callable[..., ingest.BatchResult]) -> Callable[..., ingest.BatchResult]:
    def run(session: Session, caller: Caller, rows: list[Any], **kw: Any) -> ingest.BatchResult:
        return ingest_fn(session, caller.platform, rows, **kw)

    return run


_EXAMPLES = {
    "orders": [{"order_id": "o-1", "merchant_ref": "shop-1024", "sold_at": "2026-06-20T10:15:00+08:00", "amount": "128.50", "category": "fruit"}],
    "refunds": [{"order_id": "o-1", "refund_id": "r-1", "refunded_at": "2026-06-22T09:00:00+08:00", "amount": "28.50"}],
    "payouts": [{"payout_id": "p-1", "merchant_ref": "shop-1024", "paid_at": "2026-07-05T00:00:00+08:00", "amount": "97.43"}],
    "account-flows": [{"merchant_ref": "shop-1024", "day": "2026-07-05", "inflow": "1200.00", "outflow": "350.00"}],
}


for _kind, _fn in (("orders", ingest.ingest_orders), ("refunds", ingest.ingest_refunds), ("payouts", ingest.ingest_payouts),
                   ("account-flows", _account_flows)):
    router.add_api_route(
        f"/platform/{_kind}:batch",
        batch_endpoint(_kind, _for_platform(_fn), PlatformCaller, lambda caller: caller.platform),
        methods=["POST"],
        response_model=BatchOut,
        openapi_extra=batch_doc(_ROWS_DOC[_kind], _EXAMPLES[_kind]),
        summary=f"Push a batch of {_kind}",
    )
