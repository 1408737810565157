"""Batch endpoints, the same for every pusher (a platform's sales and deductions, a bank's repayments):
each row checked on its own, bounded in size, and an Idempotency-Key that replays the first answer."""

# No `from __future__ import annotations`: the endpoint's caller dependency is a closure
# variable, which FastAPI can read only from an annotation evaluated when the function is made.

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralcredit_applications.auth import Caller
from ruralcredit_applications.ingest import BatchResult
from ruralcredit_applications.orm import IdempotentResponse
from ruralcredit_common.db import utcnow
from ruralcredit_common.http import FastJSONResponse, body_schema

# Printable ASCII: a key with control characters would be stored and compared as given.
IDEMPOTENCY_PATTERN = r"^[!-~](?:[ -~]*[!-~])?$"
# (session, caller, rows, now=…, skew=…, partitions=…) → what happened to each row.
Ingest = Callable[..., BatchResult]


def batch_endpoint(kind: str, ingest_fn: Ingest, caller_dep: Any, tenant: Callable[[Caller], str]) -> Callable[..., Any]:
    """A POST handler for batches of `kind`; `tenant` names the caller's space of idempotency keys."""

    async def push(
        request: Request,
        caller: caller_dep,
        idempotency_key: Annotated[str | None, Header(max_length=100, pattern=IDEMPOTENCY_PATTERN)] = None,
    ) -> Any:
        raw = await request.body()
        runtime = request.app.state.runtime
        rows = parse_rows(raw, runtime.settings.max_batch_rows)
        status, body = await run_in_threadpool(
            _ingest_once, runtime, caller, tenant(caller), kind, ingest_fn, rows, raw, idempotency_key
        )
        return FastJSONResponse(body, status_code=status)

    push.__name__ = f"push_{kind.replace('-', '_')}"
    push.__doc__ = f"Push a batch of {kind}; good rows are stored, bad rows reported by index, field and reason."
    return push


def parse_rows(raw: bytes, max_rows: int) -> list[Any]:
    """The rows of a body `{"rows": [...]}`, or a 422 / 413 naming what is wrong."""
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


def _ingest_once(
    runtime: Any, caller: Caller, tenant: str, kind: str, ingest_fn: Ingest, rows: list[Any], raw: bytes, idem_key: str | None
) -> tuple[int, dict[str, Any]]:
    settings = runtime.settings
    digest = hashlib.sha256(kind.encode() + raw).hexdigest()
    with runtime.factory() as session:
        if idem_key:
            seen = _replay(session, tenant, idem_key, digest)
            if seen is not None:
                return seen
            # Let go of the database while the rows are checked; a concurrent first use of the
            # key is caught by the commit below.
            session.commit()
        result = ingest_fn(session, caller, rows, now=utcnow(), skew=dt.timedelta(seconds=settings.clock_skew_seconds),
                           partitions=settings.topic_partitions)
        body = result.as_dict()
        status = 200
        if idem_key:
            session.add(IdempotentResponse(caller=tenant, key=idem_key, request_hash=digest, status=status, body=body))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            seen = _replay(session, tenant, idem_key or "", digest)
            if seen is None:
                raise
            return seen
    runtime.relay.wake()
    return status, body


def _replay(session: Session, tenant: str, key: str, digest: str) -> tuple[int, dict[str, Any]] | None:
    prior = session.get(IdempotentResponse, (tenant, key))
    if prior is None:
        return None
    if prior.request_hash != digest:
        raise HTTPException(422, {"errors": [{"field": "Idempotency-Key", "in": "header", "reason": "already used for a different batch"}]})
    return prior.status, prior.body


def batch_doc(model: type, example_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI request body of a batch of `model` rows, with an example."""
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
                    "example": {"rows": example_rows},
                }
            },
        }
    }
