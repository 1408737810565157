"""Admin endpoints: platforms, institutions, officers and their keys."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralcredit_applications import keys
from ruralcredit_applications.auth import AdminCaller, SessionDep
from ruralcredit_applications.orm import Institution, Officer, Platform
from ruralcredit_applications.schemas import (
    InstitutionIn,
    InstitutionOut,
    KeyOut,
    OfficerCreated,
    OfficerIn,
    PlatformCreated,
    PlatformIn,
    PlatformOut,
)
from ruralcredit_common.http import SessionReleasingRoute
from ruralcredit_common.ids import new_id
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["admin"], route_class=SessionReleasingRoute)


@router.post("/platforms", status_code=status.HTTP_201_CREATED, response_model=PlatformCreated)
@raises(409)
def create_platform(body: PlatformIn, session: SessionDep, _: AdminCaller) -> PlatformCreated:
    """Register a platform with its settlement lag and fee rate; returns its first key."""
    platform = Platform(id=new_id("plt"), name=body.name, settlement_lag_days=body.settlement_lag_days, fee_rate=body.fee_rate)
    session.add(platform)
    try:
        session.flush()
    except IntegrityError:
        raise HTTPException(409, f"a platform named {body.name!r} exists") from None
    key = keys.issue(session, platform_id=platform.id)
    session.commit()
    return PlatformCreated(**PlatformOut.model_validate(platform, from_attributes=True).model_dump(), key=key)


@router.get("/platforms", response_model=list[PlatformOut])
def list_platforms(session: SessionDep, _: AdminCaller) -> list[Platform]:
    """All platforms."""
    return list(session.scalars(select(Platform).order_by(Platform.created_at)))


@router.post("/platforms/{platform_id}/keys", status_code=201, response_model=KeyOut)
def rotate_platform_key(platform_id: str, session: SessionDep, _: AdminCaller) -> KeyOut:
    """Issue another key for a platform (rotate: issue, switch, then revoke the old one)."""
    return _new_key(session, Platform, "platform", platform_id=platform_id)


def _new_key(session: Session, model: type, what: str, **owner: str) -> KeyOut:
    if session.get(model, next(iter(owner.values()))) is None:
        raise HTTPException(404, f"no such {what}")
    key = keys.issue(session, **owner)
    session.commit()
    return key


@router.delete("/keys/{key_id}", status_code=204)
def revoke_key(key_id: str, session: SessionDep, _: AdminCaller) -> None:
    """Revoke a key at once."""
    if not keys.revoke(session, key_id):
        raise HTTPException(404, "no such key")
    session.commit()


@router.post("/institutions", status_code=201, response_model=InstitutionOut)
@raises(409)
def create_institution(body: InstitutionIn, session: SessionDep, _: AdminCaller) -> Institution:
    """Register a lending institution."""
    inst = Institution(id=new_id("inst"), name=body.name)
    session.add(inst)
    try:
        session.commit()
    except IntegrityError:
        raise HTTPException(409, f"an institution named {body.name!r} exists") from None
    return inst


@router.get("/institutions", response_model=list[InstitutionOut])
def list_institutions(session: SessionDep, _: AdminCaller) -> list[Institution]:
    """All institutions."""
    return list(session.scalars(select(Institution).order_by(Institution.created_at)))


@router.post("/institutions/{institution_id}/officers", status_code=201, response_model=OfficerCreated)
def create_officer(institution_id: str, body: OfficerIn, session: SessionDep, _: AdminCaller) -> OfficerCreated:
    """Register a loan officer; returns the officer's key."""
    if session.get(Institution, institution_id) is None:
        raise HTTPException(404, "no such institution")
    officer = Officer(id=new_id("off"), institution_id=institution_id, name=body.name)
    session.add(officer)
    session.flush()
    key = keys.issue(session, officer_id=officer.id)
    session.commit()
    return OfficerCreated(id=officer.id, institution_id=institution_id, name=officer.name, key=key)


@router.post("/officers/{officer_id}/keys", status_code=201, response_model=KeyOut)
def rotate_officer_key(officer_id: str, session: SessionDep, _: AdminCaller) -> KeyOut:
    """Issue another key for an officer."""
    return _new_key(session, Officer, "officer", officer_id=officer_id)


@router.post("/institutions/{institution_id}/keys", status_code=201, response_model=KeyOut)
def issue_bank_system_key(institution_id: str, session: SessionDep, _: AdminCaller) -> KeyOut:
    """Issue a key for the institution's core banking system: it records disbursements and repayments of the institution's loans."""
    return _new_key(session, Institution, "institution", institution_id=institution_id)
