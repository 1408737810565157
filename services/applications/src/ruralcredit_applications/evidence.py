"""Account flows and purchase plans: stored, then emitted on sales.v1 for the cashflow service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ruralcredit_applications.domain.evidence import FlowRow, PlanIn, PlatformFlowRow, reject_future_days, reject_repeated_days
from ruralcredit_applications.domain.sales import BUSINESS_TZ, Checked, parse_rows
from ruralcredit_applications.ingest import BatchResult, resolve_merchants
from ruralcredit_applications.orm import AccountFlowDay, Base, Merchant, PurchasePlan
from ruralcredit_common.contracts import sales
from ruralcredit_common.ids import new_id
from ruralcredit_common.outbox import add_event


def _today() -> dt.date:
    return dt.datetime.now(BUSINESS_TZ).date()


def _store_flows(session: Session, by_merchant: dict[str, list[FlowRow]], source: sales.FlowSource, actor: str) -> None:
    for merchant_id, rows in by_merchant.items():
        for r in rows:
            session.merge(AccountFlowDay(merchant_id=merchant_id, day=r.day, inflow=r.inflow, outflow=r.outflow,
                                         source=source, reported_by=actor))
        payload = sales.AccountFlowsRecorded(
            merchant_id=merchant_id, source=source,
            days=[sales.AccountFlowDay(day=r.day, inflow=r.inflow, outflow=r.outflow) for r in sorted(rows, key=lambda r: r.day)],
        )
        add_event(session, Base.OutboxRow, sales.TOPIC, sales.event(payload))


def platform_flows(session: Session, platform_id: str, rows: list[Any]) -> BatchResult:
    """A payment platform's daily account flows for its own merchants."""
    checked = parse_rows(rows, PlatformFlowRow)
    reject_future_days(checked, _today())
    reject_repeated_days(checked, key=lambda r: (r.merchant_ref, r.day))
    merchants = resolve_merchants(session, platform_id, checked)
    by_merchant: dict[str, list[FlowRow]] = {}
    for r in checked.valid.values():
        by_merchant.setdefault(merchants[r.merchant_ref], []).append(r)
    _store_flows(session, by_merchant, "payment_platform", platform_id)
    return BatchResult(received=len(rows), accepted=len(checked.valid), errors=checked.errors)


def uploaded_flows(session: Session, merchant: Merchant, rows: list[Any], officer_id: str) -> BatchResult:
    """Account flows an officer uploaded from the merchant's bank statement."""
    checked: Checked = parse_rows(rows, FlowRow)
    reject_future_days(checked, _today())
    reject_repeated_days(checked)
    if checked.valid:
        _store_flows(session, {merchant.id: list(checked.valid.values())}, "officer_upload", officer_id)
    return BatchResult(received=len(rows), accepted=len(checked.valid), errors=checked.errors)


def record_plan(session: Session, merchant: Merchant, plan: PlanIn, officer_id: str) -> PurchasePlan:
    """Store a purchase plan and tell the cashflow service."""
    row = PurchasePlan(id=new_id("plan"), merchant_id=merchant.id, description=plan.description, amount=plan.amount,
                       start=plan.start, end=plan.end, recorded_by=officer_id)
    session.add(row)
    add_event(session, Base.OutboxRow, sales.TOPIC, sales.event(sales.PurchasePlanRecorded(
        merchant_id=merchant.id, plan_id=row.id, description=plan.description, amount=plan.amount, start=plan.start, end=plan.end)))
    return row
