"""cashflow.v1 → decision (champion, and challenger in shadow) → decisions.v1 (outbox)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ruralcredit_common.contracts import cashflow, decisions
from ruralcredit_common.contracts.envelope import Envelope, RawEnvelope
from ruralcredit_common.db import utcnow
from ruralcredit_common.kafka import Handler
from ruralcredit_common.outbox import add_event
from ruralcredit_scoring import metrics
from ruralcredit_scoring.convert import to_contract
from ruralcredit_scoring.engine import Engine, existing_exposure
from ruralcredit_scoring.orm import Base, DecisionRecord, ShadowScore

TOPICS = [cashflow.TOPIC]


def make_handler(engine: Engine) -> Handler:
    """The function that applies one cashflow.v1 event."""

    def handle(session: Session, envelope: RawEnvelope) -> None:
        if envelope.type != cashflow.ASSESSED:
            return
        assessed = envelope.bind(cashflow.CashflowAssessed)
        if session.get(DecisionRecord, assessed.application_id) is not None:
            return
        payload = assessed.model_dump(mode="json")
        now = utcnow()
        exposure = existing_exposure(session, assessed.merchant_id, now)
        decision = engine.decide(payload, exposure)
        made = to_contract(decision, now)
        session.add(
            DecisionRecord(
                application_id=made.application_id,
                merchant_id=made.merchant_id,
                outcome=made.outcome,
                pd=made.pd,
                grade=made.grade,
                model_version=made.model_version,
                payload=made.model_dump(mode="json"),
                decided_at=now,
            )
        )
        shadow = engine.shadow(payload, exposure)
        if shadow is not None:
            session.add(
                ShadowScore(
                    application_id=made.application_id,
                    challenger_version=shadow.model_version,
                    pd=shadow.pd,
                    grade=shadow.grade,
                    outcome=shadow.outcome,
                    champion_pd=made.pd,
                )
            )
        add_event(
            session,
            Base.OutboxRow,
            decisions.TOPIC,
            Envelope[decisions.DecisionMade](
                type=decisions.MADE,
                version=decisions.VERSION,
                producer="scoring",
                key=made.merchant_id,
                correlation_id=made.application_id,
                payload=made,
            ),
        )
        metrics.observe_decision(made)
        engine.record(decision)

    return handle
