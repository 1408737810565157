"""Loan origination: consent, submit, decide, override, withdraw, each with the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ruralcredit_applications.domain import lifecycle, overrides
from ruralcredit_applications.orm import Application, AuditEntry, Base, Consent, Decision, Merchant, Override
from ruralcredit_applications.orm_loans import Loan
from ruralcredit_common.contracts import applications as applications_v1
from ruralcredit_common.contracts import dead_letters
from ruralcredit_common.contracts import decisions as decisions_v1
from ruralcredit_common.db import utcnow
from ruralcredit_common.ids import new_id
from ruralcredit_common.outbox import add_event


class NotFound(LookupError):
    """The thing does not exist for this caller."""


class NotAllowed(ValueError):
    """A rule forbids this (no consent, wrong status…)."""


def audit(session: Session, app: Application, actor: str, action: str, detail: dict[str, Any], model_version: str | None = None) -> None:
    """Append one entry to the application's audit trail."""
    session.add(AuditEntry(application_id=app.id, actor=actor, action=action, detail=detail, model_version=model_version))


def _move(session: Session, app: Application, new: str, actor: str, detail: dict[str, Any],
          model_version: str | None = None, *, override: bool = False) -> None:
    try:
        lifecycle.check(app.status, new, override=override)
    except lifecycle.TransitionError as exc:
        raise NotAllowed(str(exc)) from None
    audit(session, app, actor, f"status:{new}", {"from": app.status, **detail}, model_version)
    app.status = new
    app.updated_at = utcnow()


def active_consent(session: Session, merchant_id: str, institution_id: str, at: dt.datetime) -> Consent | None:
    """The consent that lets the institution use the merchant's sales data now, if any."""
    return session.scalar(
        select(Consent)
        .where(
            Consent.merchant_id == merchant_id,
            Consent.institution_id == institution_id,
            Consent.revoked_at.is_(None),
            Consent.granted_at <= at,
            Consent.expires_at > at,
        )
        .order_by(Consent.expires_at.desc())
    )


def consented(session: Session, merchant_id: str, institution_id: str, scope: str | None, at: dt.datetime) -> Consent:
    """The consent that lets the institution use the merchant's `scope` data now (any of its data
    when `scope` is None); NotAllowed, naming the data, without one."""
    consent = active_consent(session, merchant_id, institution_id, at)
    if consent is None or (scope is not None and scope not in consent.scope):
        data = f"its {scope.replace('_', ' ')} data" if scope else "its data"
        raise NotAllowed(f"the merchant has not consented to this institution using {data}")
    return consent


def submit(session: Session, *, officer_id: str, institution_id: str, merchant_id: str, amount: Decimal, term_days: int, purpose: str) -> Application:
    """Create an application and hand it to cash-flow forecasting in the same transaction."""
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("no such merchant")
    now = utcnow()
    consent = consented(session, merchant_id, institution_id, "sales", now)
    app = Application(
        id=new_id("app"), merchant_id=merchant_id, institution_id=institution_id, officer_id=officer_id,
        amount=amount, term_days=term_days, purpose=purpose, status=lifecycle.SUBMITTED, created_at=now, updated_at=now,
    )
    session.add(app)
    session.flush()
    audit(session, app, officer_id, "submitted", {"amount": str(amount), "term_days": term_days, "purpose": purpose, "consent_id": consent.id})
    payload = applications_v1.ApplicationSubmitted(
        application_id=app.id, merchant_id=merchant_id, institution_id=institution_id,
        amount=amount, term_days=term_days, purpose=purpose, submitted_at=now,
    )
    add_event(session, Base.OutboxRow, applications_v1.TOPIC, applications_v1.event(payload))
    _move(session, app, lifecycle.FORECASTING, "system", {"topic": applications_v1.TOPIC})
    return app


def record_decision(session: Session, decision: decisions_v1.DecisionMade) -> Decision | None:
    """Store the scorer's decision and move the application to its outcome; returns it if stored now.

    A decision that arrives after the application was referred, withdrawn or decided by an
    officer is kept beside it and in the audit trail; it changes nothing an officer has done.
    """
    app = session.get(Application, decision.application_id, with_for_update=True)
    if app is None:
        raise NotFound(f"decision for unknown application {decision.application_id}")
    if session.get(Decision, app.id) is not None:
        return None
    stored = Decision(
        application_id=app.id, outcome=decision.outcome, pd=decision.pd, model_version=decision.model_version,
        payload=decision.model_dump(mode="json"), decided_at=decision.decided_at, recorded_at=utcnow(),
    )
    session.add(stored)
    if not lifecycle.awaiting_decision(app.status):
        audit(session, app, "scoring", "late_decision", {"outcome": decision.outcome, "status": app.status}, decision.model_version)
        return stored
    app.grade = decision.grade
    _move(session, app, lifecycle.SCORED, "scoring", {"pd": decision.pd, "grade": decision.grade}, decision.model_version)
    _move(session, app, lifecycle.OUTCOME_STATUS[decision.outcome], "scoring", {"policy_rule": decision.policy_rule}, decision.model_version)
    return stored


UNDECIDED = "could not be decided automatically"


def refer_undecided(session: Session, app: Application, *, stage: str, detail: str) -> bool:
    """Refer an application that still awaits its decision to a loan officer, saying which stage failed."""
    if not lifecycle.awaiting_decision(app.status):
        return False
    app.status_reason = f"{UNDECIDED}: {stage}"[:300]
    _move(session, app, lifecycle.REFERRED, "system", {"reason": UNDECIDED, "stage": stage, "detail": detail[:500]})
    return True


def record_dead_letter(session: Session, notice: dead_letters.DeadLettered, application_id: str) -> bool:
    """Link an event of an application that a stage could never apply; refer it if it still waits."""
    app = session.get(Application, application_id, with_for_update=True)
    if app is None:
        return False
    audit(session, app, notice.service, "dead_lettered", {
        "stage": notice.service, "topic": notice.source_topic, "event_type": notice.event_type,
        "event_id": notice.event_id, "error": notice.error[:500],
    })
    return refer_undecided(session, app, stage=notice.service, detail=notice.error)


def overdue(session: Session, older_than: dt.datetime, limit: int = 500) -> list[Application]:
    """Applications still awaiting a decision that were submitted before `older_than`."""
    return list(session.scalars(
        select(Application)
        .where(Application.status.in_(lifecycle.AWAITING), Application.created_at < older_than)
        .order_by(Application.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ))


def refer_overdue(session: Session, deadline: dt.timedelta) -> int:
    """Refer every application that has waited longer than `deadline` for its decision; returns how many."""
    n = 0
    for app in overdue(session, utcnow() - deadline):
        waiting_for = "the outbox relay" if app.status == lifecycle.SUBMITTED else "cashflow or scoring"
        detail = f"no decision within {deadline.total_seconds():.0f} s of submission (waiting for {waiting_for})"
        n += refer_undecided(session, app, stage="deadline", detail=detail)
    return n


def oldest_undecided(session: Session) -> dt.datetime | None:
    """When the oldest application still awaiting a decision was submitted."""
    return session.scalar(select(func.min(Application.created_at)).where(Application.status.in_(lifecycle.AWAITING)))


def override(
    session: Session, app: Application, *, officer_id: str, outcome: str, reason_code: str, reason: str,
    limits: overrides.ProductLimits, amount: Decimal | None = None, term_days: int | None = None,
) -> Override:
    """An officer approves or declines against or beside the model, once, within the product's limits.

    The model's decision stays as it was made; the override, its direction and grounds go beside
    it and into the audit trail. Raises NotAllowed for an application in the wrong state, and
    overrides.OverrideRefused (naming the field) for grounds or terms the rules refuse.
    """
    if (earlier := session.get(Override, app.id)) is not None:
        raise NotAllowed(f"this application was already overridden ({earlier.direction or earlier.outcome})")
    try:
        direction = overrides.direction(app.status, outcome)
    except overrides.OverrideRefused as exc:
        raise NotAllowed(str(exc)) from None
    if session.scalar(select(Loan.id).where(Loan.application_id == app.id)) is not None:
        # Once the money is out, the loan's own life (arrears, write-off) is what follows, not a decline.
        raise NotAllowed("the loan has been paid out: an approval cannot be overridden after its disbursement")
    overrides.check_reason(outcome, reason_code)
    overrides.check_terms(outcome, amount, term_days)
    decision = session.get(Decision, app.id)
    terms: tuple[Decimal | None, int | None] = (None, None)
    if outcome == overrides.APPROVE:
        proposed = decision.payload if decision else {}
        terms = overrides.approved_terms(
            limits, requested_amount=app.amount, requested_term=app.term_days,
            proposed_amount=Decimal(proposed.get("limit") or 0) or None, proposed_term=proposed.get("term_days") or None,
            amount=amount, term_days=term_days,
        )
    row = Override(
        application_id=app.id, officer_id=officer_id, outcome=outcome, reason=reason, reason_code=reason_code,
        direction=direction, model_outcome=decision.outcome if decision else None, grade=app.grade,
        amount=terms[0], term_days=terms[1],
    )
    session.add(row)
    _move(session, app, lifecycle.OUTCOME_STATUS[outcome], officer_id, {
        "override": True, "direction": direction, "reason_code": reason_code, "reason": reason,
        "model_outcome": row.model_outcome, "amount": None if terms[0] is None else str(terms[0]), "term_days": terms[1],
    }, decision.model_version if decision else None, override=True)
    return row


def withdraw(session: Session, app: Application, *, actor: str) -> None:
    """The merchant or officer withdraws the application."""
    _move(session, app, lifecycle.WITHDRAWN, actor, {})


def expire_if_stale(session: Session, app: Application, ttl: dt.timedelta) -> bool:
    """Expire an application that has waited longer than `ttl` for a decision."""
    if lifecycle.awaiting_decision(app.status) or app.status == lifecycle.REFERRED:
        created = app.created_at if app.created_at.tzinfo else app.created_at.replace(tzinfo=dt.UTC)
        if utcnow() - created > ttl:
            _move(session, app, lifecycle.EXPIRED, "system", {"ttl_days": ttl.days})
            return True
    return False
