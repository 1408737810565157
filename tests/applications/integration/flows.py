"""Steps the application tests share: a merchant and an officer, a decision applied as the consumer would."""

from __future__ import annotations

import datetime as dt

from ruralcredit_applications import consumer
from ruralcredit_common.contracts import decisions
from ruralcredit_common.contracts.envelope import decode, encode


def decide(api, app_id: str, merchant_id: str, outcome: str, grade: str = "B") -> None:
    """Apply a decisions.v1 event with the service's own consumer handler."""
    payload = decisions.DecisionMade(
        application_id=app_id, merchant_id=merchant_id, outcome=outcome, pd=0.031, grade=grade,
        limit="20000.00" if outcome != "decline" else "0.00", term_days=90, rate=None, model_version="m-test-1",
        policy_version="p-1", policy_rule="pd_between_bands" if outcome == "refer" else None,
        decided_at=dt.datetime.now(dt.UTC),
    )
    env = decisions.event(payload)
    with api.runtime.factory() as session, session.begin():
        consumer.handle(session, [decode(encode(env))])


def setup(api):
    """A platform with one merchant, and an officer of a bank: (officer headers, merchant id)."""
    _, plat = api.platform("P")
    merchant = api.merchant(plat, "m-1")
    _, officer = api.officer("Bank")
    return officer, merchant
