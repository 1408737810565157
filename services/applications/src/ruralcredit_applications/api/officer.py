"""Loan officer endpoints: merchants, consent, applications, decisions, overrides, audit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import and_, or_, select

from ruralcredit_applications import metrics, origination
from ruralcredit_applications.api import paging
from ruralcredit_applications.api.evidence import consented_merchant
from ruralcredit_applications.api.platform import merchant_out
from ruralcredit_applications.auth import OfficerCaller, PlatformOrOfficer, SessionDep
from ruralcredit_applications.domain.lifecycle import Status
from ruralcredit_applications.domain.overrides import OverrideRefused
from ruralcredit_applications.orm import Application, AuditEntry, Consent, Decision, Merchant, Override
from ruralcredit_applications.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    AuditOut,
    ConsentIn,
    ConsentOut,
    MerchantOut,
    OverrideIn,
    OverrideOut,
)
from ruralcredit_common.http import SessionReleasingRoute
from ruralcredit_common.ids import new_id
from ruralcredit_common.inputs import Moment
from ruralcredit_common.openapi import raises

router = APIRouter(prefix="/v1", tags=["loan officers"], route_class=SessionReleasingRoute)


@router.get("/merchants/{merchant_id}", response_model=MerchantOut)
def get_merchant(merchant_id: str, session: SessionDep, caller: PlatformOrOfficer) -> MerchantOut:
    """A merchant by the suite's id: for its own platform, and for officers whose institution it consented to."""
    if caller.kind == "platform":
        merchant = session.get(Merchant, merchant_id)
        # Another platform's merchant is simply not found: its existence is not disclosed.
        if merchant is None or merchant.platform_id != caller.platform_id:
            raise HTTPException(404, "no such merchant")
        return merchant_out(merchant)
    return merchant_out(consented_merchant(session, merchant_id, caller, None))


@router.post("/merchants/{merchant_id}/consents", status_code=201, response_model=ConsentOut)
def record_consent(merchant_id: str, body: ConsentIn, session: SessionDep, caller: OfficerCaller) -> Consent:
    """Record the merchant's consent for the officer's institution to use its platform data."""
    if session.get(Merchant, merchant_id) is None:
        raise HTTPException(404, "no such merchant")
    if body.expires_at <= body.granted_at:
        raise HTTPException(422, {"errors": [{"field": "expires_at", "in": "body", "reason": "must be after granted_at"}]})
    consent = Consent(
        id=new_id("con"), merchant_id=merchant_id, institution_id=caller.institution_id, granted_by=body.granted_by,
        granted_at=body.granted_at, scope=list(body.scope), expires_at=body.expires_at, recorded_by=caller.officer_id,
    )
    session.add(consent)
    session.commit()
    return consent


def _own_application(session: SessionDep, application_id: str, caller: OfficerCaller, lock: bool = False) -> Application:
    app = session.get(Application, application_id, with_for_update=lock)
    # Another institution's application is simply not found: its existence is not disclosed.
    if app is None or app.institution_id != caller.institution_id:
        raise HTTPException(404, "no such application")
    return app


def _out(session: SessionDep, app: Application, *, just_submitted: bool = False) -> ApplicationOut:
    decision: Decision | None = None
    over: Override | None = None
    # A new application has neither yet: reading them would take the database again after the commit.
    if not just_submitted:
        # Status, decision and override in one statement, so from one snapshot: read one by one,
        # on PostgreSQL a decision committed in between was shown beside the status before it.
        app, decision, over = session.execute(
            select(Application, Decision, Override)
            .outerjoin(Decision, Decision.application_id == Application.id)
            .outerjoin(Override, Override.application_id == Application.id)
            .where(Application.id == app.id)
            .execution_options(populate_existing=True)
        ).one()
    return ApplicationOut(
        id=app.id, merchant_id=app.merchant_id, institution_id=app.institution_id, officer_id=app.officer_id,
        amount=app.amount, term_days=app.term_days, purpose=app.purpose, status=app.status, grade=app.grade,
        created_at=app.created_at, updated_at=app.updated_at,
        decision=decision.payload if decision else None,
        override=OverrideOut.model_validate(over, from_attributes=True) if over else None,
    )


@router.post("/applications", status_code=201, response_model=ApplicationOut)
@raises(403, 404)
def submit_application(body: ApplicationIn, request: Request, session: SessionDep, caller: OfficerCaller) -> ApplicationOut:
    """Submit a loan application; the decision follows within about a second."""
    try:
        app = origination.submit(
            session, officer_id=caller.officer, institution_id=caller.institution, merchant_id=body.merchant_id,
            amount=body.amount, term_days=body.term_days, purpose=body.purpose,
        )
    except origination.NotFound:
        raise HTTPException(404, "no such merchant") from None
    except origination.NotAllowed as exc:
        raise HTTPException(403, str(exc)) from None
    session.commit()
    request.app.state.runtime.relay.wake()
    return _out(session, app, just_submitted=True)


@router.get("/applications/{application_id}", response_model=ApplicationOut)
def get_application(application_id: str, request: Request, session: SessionDep, caller: OfficerCaller) -> ApplicationOut:
    """One application with its decision: PD, grade, limit, term, rate and its parts, schedule, reasons."""
    app = _own_application(session, application_id, caller)
    ttl = dt.timedelta(days=request.app.state.runtime.settings.application_ttl_days)
    if origination.expire_if_stale(session, app, ttl):
        session.commit()
    return _out(session, app)


@router.get("/applications", response_model=ApplicationPage)
def list_applications(
    session: SessionDep,
    caller: OfficerCaller,
    status: Status | None = None,
    merchant_id: Annotated[str | None, Query(max_length=64)] = None,
    grade: Annotated[str | None, Query(pattern="^[A-E]$")] = None,
    submitted_from: Moment | None = None,
    submitted_to: Moment | None = None,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ApplicationPage:
    """The institution's applications, newest first, filtered, a page at a time."""
    q = select(Application).where(Application.institution_id == caller.institution_id)
    if status:
        q = q.where(Application.status == status)
    if merchant_id:
        q = q.where(Application.merchant_id == merchant_id)
    if grade:
        q = q.where(Application.grade == grade)
    if submitted_from:
        q = q.where(Application.created_at >= submitted_from)
    if submitted_to:
        q = q.where(Application.created_at < submitted_to)
    if cursor:
        created, app_id = paging.position(cursor)
        q = q.where(or_(Application.created_at < created, and_(Application.created_at == created, Application.id < app_id)))
    rows = list(session.scalars(q.order_by(Application.created_at.desc(), Application.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    return ApplicationPage(items=[_out(session, a) for a in page], next_cursor=paging.cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None)


@router.post("/applications/{application_id}/override", response_model=ApplicationOut)
@raises(409)
def override_application(
    application_id: str, body: OverrideIn, request: Request, session: SessionDep, caller: OfficerCaller,
) -> ApplicationOut:
    """Approve a declined or referred application, or decline an approved or referred one: once, with a reason code
    and the reason in words, within the product's amount and term limits (422 naming the field otherwise). The
    model's decision is kept beside the override; 409 when the application is in no state to be overridden."""
    app = _own_application(session, application_id, caller, lock=True)
    try:
        row = origination.override(
            session, app, officer_id=caller.officer, outcome=body.outcome, reason_code=body.reason_code,
            reason=body.reason, limits=request.app.state.runtime.settings.product_limits(),
            amount=body.amount, term_days=body.term_days,
        )
    except origination.NotAllowed as exc:
        raise HTTPException(409, str(exc)) from None
    except OverrideRefused as exc:
        raise HTTPException(422, {"errors": [{"field": exc.field, "in": "body", "reason": str(exc)}]}) from None
    session.commit()
    assert row.direction is not None  # an override made now always has its direction
    metrics.overridden(row.direction, row.grade)
    return _out(session, app)


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationOut)
@raises(409)
def withdraw_application(application_id: str, session: SessionDep, caller: OfficerCaller) -> ApplicationOut:
    """Withdraw an application at the merchant's request."""
    app = _own_application(session, application_id, caller, lock=True)
    try:
        origination.withdraw(session, app, actor=caller.officer)
    except origination.NotAllowed as exc:
        raise HTTPException(409, str(exc)) from None
    session.commit()
    return _out(session, app)


@router.get("/applications/{application_id}/audit", response_model=list[AuditOut])
def application_audit(application_id: str, session: SessionDep, caller: OfficerCaller) -> list[AuditEntry]:
    """Everything that changed the application, oldest first."""
    _own_application(session, application_id, caller)
    return list(session.scalars(select(AuditEntry).where(AuditEntry.application_id == application_id).order_by(AuditEntry.id)))
