"""Rules of the API that JSON Schema cannot state, taught to schemathesis so that what it sends
as valid data is valid: a case it generates as valid that breaks one is dropped, or made to keep
it where the rule ties two values together. Cases generated as invalid are left alone."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import schemathesis

CONSENTS = "/v1/merchants/{merchant_id}/consents"
PLANS = "/v1/merchants/{merchant_id}/purchase-plans"
DISBURSEMENT = "/v1/applications/{application_id}/disbursement"
# Lists paged by a cursor that only the API hands out.
PAGED = ("/v1/applications", "/v1/loans")


def _valid(case: Any) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_positive


def _parse(value: Any, kind: Any) -> Any:
    try:
        return kind.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    """Drop valid-looking cases that break a rule between two fields."""
    if not _valid(case) or not isinstance(case.body, dict):
        return True
    body = case.body
    if case.operation.path == CONSENTS and case.method.upper() == "POST":
        # A consent ends after it was given.
        granted, expires = _parse(body.get("granted_at"), dt.datetime), _parse(body.get("expires_at"), dt.datetime)
        return granted is None or expires is None or expires > granted
    if case.operation.path == PLANS and case.method.upper() == "POST":
        # A plan ends on or after its start, within 366 days.
        start, end = _parse(body.get("start"), dt.date), _parse(body.get("end"), dt.date)
        return start is None or end is None or 0 <= (end - start).days <= 366
    return True


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """Make valid-looking cases keep the rules that tie a value to another or to the server's state."""
    if not _valid(case):
        return case
    path, method = case.operation.path, case.method.upper()
    if path in PAGED and method == "GET" and case.query and "cursor" in case.query:
        # A cursor is a next_cursor this API gave out, not any string.
        case.query.pop("cursor")
    if path.endswith(":batch") and case.headers and "Idempotency-Key" in case.headers:
        # A key names one batch: used again with another batch it is refused (422), as the
        # Idempotency-Key draft asks.
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    if path == DISBURSEMENT and method == "POST" and isinstance(case.body, dict):
        # A payout is at most the approved amount (the seeded application asked 20,000; its limit
        # may be lower), on a day between the submission and today.
        case.body["amount"] = "100.00"
        case.body["disbursed_on"] = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    return case
