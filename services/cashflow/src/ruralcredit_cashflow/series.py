"""Storing and loading the per-merchant daily series."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ruralcredit_cashflow.orm import AccountFlowDay, MerchantDay, MerchantPlatform, PurchasePlan
from ruralcredit_common.contracts import sales


def _insert(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def add_daily_sales(session: Session, event: sales.DailySalesRecorded) -> None:
    """Add a batch's increments to the merchant's days (upsert-and-add, one statement)."""
    insert = _insert(session)
    rows = [
        {"merchant_id": event.merchant_id, "day": d.day, "orders": d.orders,
         "gross_sales": d.gross_sales, "refunds": d.refunds, "payouts": d.payouts}
        for d in event.days
    ]
    stmt = insert(MerchantDay)
    ex = stmt.excluded
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["merchant_id", "day"],
            set_={
                "orders": MerchantDay.orders + ex.orders,
                "gross_sales": MerchantDay.gross_sales + ex.gross_sales,
                "refunds": MerchantDay.refunds + ex.refunds,
                "payouts": MerchantDay.payouts + ex.payouts,
            },
        ),
        rows,
    )
    terms = {"platform_id": event.platform_id, "settlement_lag_days": event.settlement_lag_days,
             "fee_rate": event.fee_rate}
    # An event without the field (an older producer, a replay) says nothing about the produce.
    if "produce" in event.model_fields_set:
        terms["produce"] = event.produce
    platform = insert(MerchantPlatform).values(merchant_id=event.merchant_id, **terms)
    session.execute(platform.on_conflict_do_update(index_elements=["merchant_id"], set_=terms))


def set_account_flows(session: Session, event: sales.AccountFlowsRecorded) -> None:
    """Replace the reported days of the merchant's account flows."""
    insert = _insert(session)
    stmt = insert(AccountFlowDay)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["merchant_id", "day"],
            set_={"inflow": stmt.excluded.inflow, "outflow": stmt.excluded.outflow},
        ),
        [{"merchant_id": event.merchant_id, "day": d.day, "inflow": d.inflow, "outflow": d.outflow} for d in event.days],
    )


def set_purchase_plan(session: Session, event: sales.PurchasePlanRecorded) -> None:
    """Record (or replace) a purchase plan."""
    session.merge(PurchasePlan(
        plan_id=event.plan_id, merchant_id=event.merchant_id, description=event.description,
        amount=event.amount, start=event.start, end=event.end,
    ))


def load_days(session: Session, merchant_id: str, since: dt.date) -> list[MerchantDay]:
    """The merchant's recorded days from `since`, oldest first."""
    return list(session.scalars(
        select(MerchantDay).where(MerchantDay.merchant_id == merchant_id, MerchantDay.day >= since).order_by(MerchantDay.day)
    ))


def dense(days: list[MerchantDay], start: dt.date, end: dt.date) -> dict[str, np.ndarray]:
    """Arrays over every day from start to end inclusive; days with no record are zero."""
    n = (end - start).days + 1
    out = {k: np.zeros(n) for k in ("orders", "gross_sales", "refunds", "payouts")}
    for d in days:
        i = (d.day - start).days
        if 0 <= i < n:
            for k in out:
                out[k][i] = float(getattr(d, k))
    return out


def platform_terms(session: Session, merchant_id: str) -> MerchantPlatform | None:
    """The merchant's platform and its declared settlement terms, if any sales arrived."""
    return session.get(MerchantPlatform, merchant_id)


def account_flows(session: Session, merchant_id: str, start: dt.date, end: dt.date) -> dict[str, np.ndarray] | None:
    """Daily account inflows and outflows over [start, end], or None when none were reported."""
    rows = list(session.scalars(
        select(AccountFlowDay).where(AccountFlowDay.merchant_id == merchant_id, AccountFlowDay.day >= start, AccountFlowDay.day <= end)
    ))
    if not rows:
        return None
    n = (end - start).days + 1
    inflow, outflow = np.zeros(n), np.zeros(n)
    for r in rows:
        inflow[(r.day - start).days] = float(r.inflow)
        outflow[(r.day - start).days] = float(r.outflow)
    return {"inflow": inflow, "outflow": outflow}


def purchase_plans(session: Session, merchant_id: str, after: dt.date) -> list[PurchasePlan]:
    """The merchant's purchase plans that end after `after`."""
    return list(session.scalars(select(PurchasePlan).where(PurchasePlan.merchant_id == merchant_id, PurchasePlan.end > after)))


def to_yuan(value: float) -> Decimal:
    """A float amount as yuan with two places."""
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))
