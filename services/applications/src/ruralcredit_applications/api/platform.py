"""Platform endpoints: register merchants and push orders, refunds and payouts in batches."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralcredit_applications import evidence, ingest
from ruralcredit_applications.auth import PlatformCaller, SessionDep
from ruralcredit_applications.domain.evidence import PlatformFlowRow
from ruralcredit_applications.domain.sales import OrderRow, PayoutRow, RefundRow
from ruralcredit_applications.orm import IdempotentResponse, Merchant, Platform
from ruralcredit_applications.schemas import BatchOut, MerchantIn, MerchantOut
from ruralcredit_common.db import utcnow
from ruralcredit_common.http import FastJSONResponse, body_schema
from ruralcredit_common.ids import new_id
from ruralcredit_common.inputs import REF_PATTERN
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["platforms"])

MerchantRef = Annotated[str, Path(min_length=1, max_length=64, pattern=REF_PATTERN, examples=["shop-1024"],
                                  description="The platform's own reference for the merchant")]
# Printable ASCII: a key with control characters would be stored and compared as given.
IDEMPOTENCY_PATTERN = r"^[!-~](?:[ -~]*[!-~])?$"


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


def _account_flows(session: Session, platform: Platform, rows: list[Any], **_: Any) -> ingest.BatchResult:
    return evidence.platform_flows(session, platform.id, rows)


_ROWS_DOC = {
    "orders": OrderRow, "refunds": RefundRow, "payouts": PayoutRow, "account-flows": PlatformFlowRow,
}


def _batch_endpoint(kind: str, ingest_fn: Callable[..., ingest.BatchResult]) -> Callable[..., Any]:
    async def push(
        request: Request,
        caller: PlatformCaller,
        idempotency_key: Annotated[str | None, Header(max_length=100, pattern=IDEMPOTENCY_PATTERN)] = None,
    ) -> Any:
        raw = await request.body()
        rows = _parse_rows(raw, request.app.state.runtime.settings.max_batch_rows)
        runtime = request.app.state.runtime
        status, body = await run_in_threadpool(
            _ingest_once, runtime, caller, kind, ingest_fn, rows, raw, idempotency_key
        )
        return FastJSONResponse(body, status_code=status)

    push.__name__ = f"push_{kind.replace('-', '_')}"
    push.__doc__ = f"Push a batch of {kind}; good rows are stored, bad rows reported by index, field and reason."
    return push


def _parse_rows(raw: bytes, max_rows: int) -> list[Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HTTPException(422, {"errors": [{"field": "(body)", "in": "body", "reason": "not valid JSON"}]}) from None
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
        raise HTTPException(422, {"errors": [{"field": "rows", "in": "body", "reason": "must be an object with a list 'rows'"}]})
    extra = sorted(set(body) - {"rows"})
    if extra:
        raise HTTPException(422, {"errors": [{"field": str(k), "in": "body", "reason": "unknown field"} for k in extra[:50]]})
    if len(body["rows"]) > max_rows:
        raise HTTPException(413, f"at most {max_rows} rows per batch")
    return body["rows"]


def _ingest_once(runtime: Any, caller: Any, kind: str, ingest_fn: Callable[..., ingest.BatchResult], rows: list[Any], raw: bytes, idem_key: str | None) -> tuple[int, dict[str, Any]]:
    settings = runtime.settings
    digest = hashlib.sha256(kind.encode() + raw).hexdigest()
    with runtime.factory() as session:
        if idem_key:
            seen = _replay(session, caller.platform_id, idem_key, digest)
            if seen is not None:
                return seen
        platform = session.get(Platform, caller.platform_id)
        result = ingest_fn(session, platform, rows, now=utcnow(), skew=dt.timedelta(seconds=settings.clock_skew_seconds),
                           partitions=settings.topic_partitions)
        body = result.as_dict()
        status = 200
        if idem_key:
            session.add(IdempotentResponse(caller=caller.platform_id, key=idem_key, request_hash=digest, status=status, body=body))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            seen = _replay(session, caller.platform_id, idem_key or "", digest)
            if seen is None:
                raise
            return seen
    runtime.relay.wake()
    return status, body


def _replay(session: Session, platform_id: str, key: str, digest: str) -> tuple[int, dict[str, Any]] | None:
    prior = session.get(IdempotentResponse, (platform_id, key))
    if prior is None:
        return None
    if prior.request_hash != digest:
        raise HTTPException(422, {"errors": [{"field": "Idempotency-Key", "in": "header", "reason": "already used for a different batch"}]})
    return prior.status, prior.body


def _openapi(model: type) -> dict[str, Any]:
    example_rows = {
        "orders": [{"order_id": "o-1", "merchant_ref": "shop-1024", "sold_at": "2026-06-20T10:15:00+08:00", "amount": "128.50", "category": "fruit"}],
        "refunds": [{"order_id": "o-1", "refund_id": "r-1", "refunded_at": "2026-06-22T09:00:00+08:00", "amount": "28.50"}],
        "payouts": [{"payout_id": "p-1", "merchant_ref": "shop-1024", "paid_at": "2026-07-05T00:00:00+08:00", "amount": "97.43"}],
        "account-flows": [{"merchant_ref": "shop-1024", "day": "2026-07-05", "inflow": "1200.00", "outflow": "350.00"}],
    }
    kind = {v: k for k, v in _ROWS_DOC.items()}[model]
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "required": ["rows"], "additionalProperties": False, "properties": {"rows": {
                        "type": "array",
                        "description": "Each row is checked on its own: one that does not match the row schema is reported "
                        "in errors[] by index, field and reason, and the others are stored.",
                        "items": {"anyOf": [body_schema(model), {}]},
                    }}},
                    "example": {"rows": example_rows[kind]},
                }
            },
        }
    }


for _kind, _fn in (("orders", ingest.ingest_orders), ("refunds", ingest.ingest_refunds), ("payouts", ingest.ingest_payouts),
                   ("account-flows", _account_flows)):
    router.add_api_route(
        f"/platform/{_kind}:batch",
        _batch_endpoint(_kind, _fn),
        methods=["POST"],
        response_model=BatchOut,
        openapi_extra=_openapi(_ROWS_DOC[_kind]),
        summary=f"Push a batch of {_kind}",
    )
