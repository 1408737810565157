"""Issuing and revoking API keys."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from ruralcredit_applications.orm import ApiKey
from ruralcredit_applications.schemas import KeyOut
from ruralcredit_common.auth import hash_key, key_hint, new_api_key
from ruralcredit_common.db import utcnow
from ruralcredit_common.ids import new_id


def issue(session: Session, *, platform_id: str | None = None, officer_id: str | None = None, institution_id: str | None = None) -> KeyOut:
    """Create a key for a platform, an officer or a bank's core system; the plain key leaves only in the answer."""
    plain = new_api_key("plat" if platform_id else "off" if officer_id else "bank")
    row = ApiKey(id=new_id("key"), key_hash=hash_key(plain), hint=key_hint(plain), platform_id=platform_id, officer_id=officer_id,
                 institution_id=institution_id)
    session.add(row)
    return KeyOut(key_id=row.id, api_key=plain)


def revoke(session: Session, key_id: str) -> bool:
    """Revoke a key; False if there is no such live key."""
    # An UPDATE's result is a CursorResult, which Session.execute's annotations do not say.
    done = cast(CursorResult[Any], session.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=utcnow())
    ))
    return bool(done.rowcount)
