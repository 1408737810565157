"""sales.v1 → daily series; applications.v1 → forecast and features → cashflow.v1 (outbox)."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ruralcredit_cashflow import store
from ruralcredit_cashflow.assessment import assess_applications
from ruralcredit_cashflow.orm import AssessmentRecord, Base
from ruralcredit_cashflow.settings import Settings
from ruralcredit_common.contracts import applications, cashflow, sales
from ruralcredit_common.contracts.envelope import RawEnvelope
from ruralcredit_common.db import utcnow
from ruralcredit_common.kafka import Handler, received_at
from ruralcredit_common.outbox import add_events

TOPICS = [sales.TOPIC, applications.TOPIC]


def make_handler(settings: Settings) -> Handler:
    """The function that applies the events of one poll from the topics this service consumes."""

    def handle(session: Session, envelopes: list[RawEnvelope]) -> None:
        daily, submitted = [], []
        for envelope in envelopes:
            if envelope.type == sales.DAILY_SALES_BATCH:
                daily.extend(envelope.bind(sales.DailySalesBatchRecorded).merchants)
            elif envelope.type == sales.DAILY_SALES:
                daily.append(envelope.bind(sales.DailySalesRecorded))
            elif envelope.type == sales.ACCOUNT_FLOWS:
                store.set_account_flows(session, envelope.bind(sales.AccountFlowsRecorded))
            elif envelope.type == sales.PURCHASE_PLAN:
                store.set_purchase_plan(session, envelope.bind(sales.PurchasePlanRecorded))
            elif envelope.type == applications.SUBMITTED:
                submitted.append(envelope.bind(applications.ApplicationSubmitted))
        # Sales first: an application in the same poll is assessed on everything received.
        store.add_daily_sales(session, daily)
        _assess(session, submitted, settings)

    return handle


def _assess(session: Session, submitted: list[applications.ApplicationSubmitted], settings: Settings) -> None:
    """Assess a poll's new applications together and queue their cashflow.v1 events."""
    ids = [a.application_id for a in submitted]
    done = set(session.scalars(select(AssessmentRecord.application_id).where(AssessmentRecord.application_id.in_(ids)))) if ids else set()
    fresh = list({a.application_id: a for a in submitted if a.application_id not in done}.values())
    if not fresh:
        return
    received = received_at(session)
    payloads = assess_applications(session, fresh, settings)
    session.execute(insert(AssessmentRecord), [
        {"application_id": a.application_id, "merchant_id": a.merchant_id, "payload": p.model_dump(mode="json"),
         "received_at": received, "created_at": utcnow()}
        for a, p in zip(fresh, payloads, strict=True)
    ])
    add_events(session, Base.OutboxRow, cashflow.TOPIC, [cashflow.event(p) for p in payloads])
