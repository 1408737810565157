"""decisions.v1 → the application's stored decision and new status."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ruralcredit_applications import applications as cases
from ruralcredit_common.contracts import decisions
from ruralcredit_common.contracts.envelope import RawEnvelope
from ruralcredit_common.errors import PermanentEventError

TOPICS = [decisions.TOPIC]


def handle(session: Session, envelope: RawEnvelope) -> None:
    """Apply one event from the topics this service consumes."""
    if envelope.type != decisions.MADE:
        return
    try:
        cases.record_decision(session, envelope.bind(decisions.DecisionMade))
    except cases.NotFound as exc:
        raise PermanentEventError(str(exc)) from None
