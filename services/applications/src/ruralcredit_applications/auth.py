"""Who is calling: admin (settings key), a platform or a loan officer (hashed keys)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy import select
from sqlalchemy.orm import Session

from ruralcredit_applications.orm import ApiKey, Officer
from ruralcredit_common.auth import hash_key, same_key
from ruralcredit_common.observe import note_caller
from ruralcredit_common.openapi import raises

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Admin, platform, officer or bank-system key")


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the endpoint commits what it means to keep."""
    with request.app.state.runtime.factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Caller:
    """The authenticated caller and the tenant it may act for."""

    kind: Literal["admin", "platform", "officer", "bank"]
    key_id: str | None = None
    platform_id: str | None = None
    officer_id: str | None = None
    institution_id: str | None = None

    @property
    def actor(self) -> str:
        """How the caller appears in the audit trail."""
        if self.kind == "bank":
            return f"bank:{self.institution_id}"
        return self.officer_id or self.platform_id or "admin"

    # Each key has one owner (keys.issue makes them so), and _require lets only the kinds an
    # endpoint names through: these say so to the type checker where an id must be there.
    @property
    def officer(self) -> str:
        """The officer's id, for an officer's key."""
        assert self.officer_id is not None, f"a {self.kind} key acts for no officer"
        return self.officer_id

    @property
    def platform(self) -> str:
        """The platform's id, for a platform's key."""
        assert self.platform_id is not None, f"a {self.kind} key acts for no platform"
        return self.platform_id

    @property
    def institution(self) -> str:
        """The institution's id, for an officer's key or a bank system's."""
        assert self.institution_id is not None, f"a {self.kind} key acts for no institution"
        return self.institution_id


def authenticate(request: Request, key: str | None = Security(api_key_header)) -> Caller:
    """Resolve the X-API-Key header to a caller, or answer 401."""
    if not key:
        raise HTTPException(401, "missing X-API-Key header", headers={"WWW-Authenticate": "ApiKey"})
    if same_key(key, request.app.state.runtime.settings.admin_api_key):
        return Caller(kind="admin")
    # A read-only session of its own, ended at once: on SQLite it does not wait for the one
    # writing connection, and the endpoint's work does not wait behind it.
    with request.app.state.runtime.reads() as session:
        row = session.execute(
            select(ApiKey.id, ApiKey.platform_id, ApiKey.officer_id, Officer.institution_id, ApiKey.institution_id)
            .outerjoin(Officer, Officer.id == ApiKey.officer_id)
            .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
        ).first()
    if row is None:
        raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "ApiKey"})
    key_id, platform_id, officer_id, institution_id, bank_id = row
    if platform_id:
        return Caller(kind="platform", key_id=key_id, platform_id=platform_id)
    if bank_id:
        return Caller(kind="bank", key_id=key_id, institution_id=bank_id)
    return Caller(kind="officer", key_id=key_id, officer_id=officer_id, institution_id=institution_id)


def _require(*kinds: str) -> Callable[[Request, Caller], Caller]:
    @raises(403)
    def check(request: Request, caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        note_caller(request, caller.kind, caller.officer_id or caller.platform_id or caller.institution_id)
        if caller.kind not in kinds:
            raise HTTPException(403, f"this endpoint is for {' or '.join(kinds)} keys")
        return caller

    return check


AdminCaller = Annotated[Caller, Depends(_require("admin"))]
PlatformCaller = Annotated[Caller, Depends(_require("platform"))]
OfficerCaller = Annotated[Caller, Depends(_require("officer"))]
# A merchant's own platform, or a loan officer (who still needs the merchant's consent).
PlatformOrOfficer = Annotated[Caller, Depends(_require("platform", "officer"))]
# A bank acts on its own loans through its officers or its core banking system's key.
BankOrOfficer = Annotated[Caller, Depends(_require("bank", "officer"))]
# A loan is read by its bank and by the platform that deducts its instalments.
LoanReader = Annotated[Caller, Depends(_require("bank", "officer", "platform"))]
