"""decisions.v1 → the application's stored decision and new status; dead letters of any stage of
an application → the application referred to a loan officer, with the stage that failed."""

from __future__ import annotations

import functools

from sqlalchemy.orm import Session

from ruralcredit_applications import metrics, origination
from ruralcredit_common.contracts import applications, cashflow, dead_letters, decisions, dlq_topic
from ruralcredit_common.contracts.envelope import RawEnvelope
from ruralcredit_common.errors import PermanentEventError
from ruralcredit_common.kafka import after_commit

# The dead letters of every topic that carries an application on its way to a decision.
TOPICS = [decisions.TOPIC, *(dlq_topic(t.TOPIC) for t in (applications, cashflow, decisions))]


def handle(session: Session, envelopes: list[RawEnvelope]) -> None:
    """Apply the events of one poll from the topics this service consumes."""
    for envelope in envelopes:
        if envelope.type == decisions.MADE:
            _decision(session, envelope.bind(decisions.DecisionMade))
        elif envelope.type == dead_letters.NOTICE and envelope.correlation_id:
            notice = envelope.bind(dead_letters.DeadLettered)
            if origination.record_dead_letter(session, notice, envelope.correlation_id):
                after_commit(session, functools.partial(metrics.referred_undecided, notice.service))


def _decision(session: Session, made: decisions.DecisionMade) -> None:
    try:
        stored = origination.record_decision(session, made)
    except origination.NotFound as exc:
        raise PermanentEventError(str(exc)) from None
    if stored is not None:
        app = session.get(origination.Application, made.application_id)
        assert app is not None  # record_decision has just found it
        after_commit(session, lambda: metrics.observe_decided(app.created_at, stored.recorded_at))
