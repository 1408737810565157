"""sales.v1 → daily series; applications.v1 → forecast and features → cashflow.v1 (outbox)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ruralcredit_cashflow import series
from ruralcredit_cashflow.assessment import assess_application
from ruralcredit_cashflow.orm import Assessment, Base
from ruralcredit_cashflow.settings import Settings
from ruralcredit_common.contracts import applications, cashflow, sales
from ruralcredit_common.contracts.envelope import Envelope, RawEnvelope
from ruralcredit_common.kafka import Handler
from ruralcredit_common.outbox import add_event

TOPICS = [sales.TOPIC, applications.TOPIC]


def make_handler(settings: Settings) -> Handler:
    """The function that applies one event from the topics this service consumes."""

    def handle(session: Session, envelope: RawEnvelope) -> None:
        _apply(session, envelope, settings)

    return handle


def _apply(session: Session, envelope: RawEnvelope, settings: Settings) -> None:
    if envelope.type == sales.DAILY_SALES:
        series.add_daily_sales(session, envelope.bind(sales.DailySalesRecorded))
    elif envelope.type == sales.ACCOUNT_FLOWS:
        series.set_account_flows(session, envelope.bind(sales.AccountFlowsRecorded))
    elif envelope.type == sales.PURCHASE_PLAN:
        series.set_purchase_plan(session, envelope.bind(sales.PurchasePlanRecorded))
    elif envelope.type == applications.SUBMITTED:
        _assess(session, envelope, settings)


def _assess(session: Session, envelope: RawEnvelope, settings: Settings) -> None:
    application = envelope.bind(applications.ApplicationSubmitted)
    if session.get(Assessment, application.application_id) is not None:
        return
    payload = assess_application(session, application=application, settings=settings)
    session.add(Assessment(application_id=application.application_id, merchant_id=application.merchant_id,
                           payload=payload.model_dump(mode="json")))
    add_event(session, Base.OutboxRow, cashflow.TOPIC, Envelope[cashflow.CashflowAssessed](
        type=cashflow.ASSESSED, version=cashflow.VERSION, producer="cashflow", key=application.merchant_id,
        correlation_id=application.application_id, payload=payload,
    ))
