"""cashflow.v1 → decision (champion, and challenger in shadow) → decisions.v1 (outbox);
loans.v1 → each loan's outcome beside its decision (outcomes.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ruralcredit_common.contracts import cashflow, decisions, loans
from ruralcredit_common.contracts.envelope import RawEnvelope
from ruralcredit_common.db import utcnow
from ruralcredit_common.kafka import Handler, after_commit, received_at
from ruralcredit_common.outbox import add_events
from ruralcredit_scoring import metrics, outcomes
from ruralcredit_scoring.engine import Engine, existing_exposure, exposure_ends_at
from ruralcredit_scoring.orm import Base, DecisionRecord, ShadowScore
from ruralcredit_scoring.to_events import to_contract

TOPICS = [cashflow.TOPIC, loans.TOPIC]


def make_handler(engine: Engine) -> Handler:
    """The function that decides the applications of one poll of cashflow.v1 events."""

    def handle(session: Session, envelopes: list[RawEnvelope]) -> None:
        assessed = [e.bind(cashflow.CashflowAssessed) for e in envelopes if e.type == cashflow.ASSESSED]
        ids = [a.application_id for a in assessed]
        decided = set(session.scalars(select(DecisionRecord.application_id).where(DecisionRecord.application_id.in_(ids)))) if ids else set()
        received, made_all = received_at(session), []
        for a in assessed:
            if a.application_id in decided:
                continue
            decided.add(a.application_id)
            made_all.append(_decide(session, engine, a, received))
        add_events(session, Base.OutboxRow, decisions.TOPIC, [decisions.event(made) for made in made_all])
        outcomes.apply(session, [e for e in envelopes if e.type in loans.TYPES])

    return handle


def _decide(session: Session, engine: Engine, assessed: cashflow.CashflowAssessed, received: dt.datetime) -> decisions.DecisionMade:
    """Decide one application; earlier decisions of this poll count towards the merchant's exposure."""
    payload = assessed.model_dump(mode="json")
    now = utcnow()
    exposure = existing_exposure(session, assessed.merchant_id, now)
    decision = engine.decide(payload, exposure)
    made = to_contract(decision, now)
    session.add(DecisionRecord(
        application_id=made.application_id, merchant_id=made.merchant_id, outcome=made.outcome, pd=made.pd,
        grade=made.grade, model_version=made.model_version, payload=made.model_dump(mode="json"),
        limit=made.limit, exposure_ends_at=exposure_ends_at(now, made.term_days), received_at=received, decided_at=now,
    ))
    shadow = engine.shadow(payload, exposure)
    if shadow is not None:
        session.add(ShadowScore(
            application_id=made.application_id, challenger_version=shadow.model_version, pd=shadow.pd,
            grade=shadow.grade, outcome=shadow.outcome, champion_pd=made.pd,
        ))
    session.flush()  # the next application of the same merchant sees this one's exposure

    def count() -> None:
        metrics.observe_decision(made)
        engine.record(decision)

    after_commit(session, count)
    return made
