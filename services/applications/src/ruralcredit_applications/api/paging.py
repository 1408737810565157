"""Keyset paging cursors: the sort time and id of the last row of a page, opaque to the caller."""

from __future__ import annotations

import base64
import datetime as dt

from fastapi import HTTPException


def cursor(at: dt.datetime, row_id: str) -> str:
    """The cursor that resumes after the row written `at` with `row_id`."""
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode()


def position(value: str) -> tuple[dt.datetime, str]:
    """The time and id a cursor names; 422 for anything this API did not hand out."""
    try:
        at, row_id = base64.urlsafe_b64decode(value.encode()).decode().split("|", 1)
        when = dt.datetime.fromisoformat(at)
        if when.tzinfo is None:  # this API's cursors carry their offset; the database compares aware times only
            raise ValueError(at)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(422, {"errors": [{"field": "cursor", "in": "query", "reason": "not a cursor from this API"}]}) from None
    return when, row_id
