"""Sales ingestion: store a platform's batch idempotently and queue sales.v1 increments.

Each batch becomes at most one sales.v1 event per partition, carrying the increments by day
of the batch's merchants that hash to that partition: a batch over thousands of merchants
costs a handful of events, and each merchant's increments stay in order on its partition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ruralcredit_applications.domain.sales import (
    Checked,
    Increments,
    OrderRow,
    PayoutRow,
    RefundRow,
    RowError,
    business_day,
    new_increments,
    parse_rows,
    reject_future,
    reject_repeats,
)
from ruralcredit_applications.orm import Base, Merchant, Order, Payout, Platform, Refund
from ruralcredit_common.contracts import sales
from ruralcredit_common.db import insert_new
from ruralcredit_common.kafka import partition_for
from ruralcredit_common.outbox import add_events

PRODUCER = "applications"


@dataclass
class BatchResult:
    """What happened to each row of a batch."""

    received: int
    accepted: int = 0
    duplicates: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer to the platform."""
        return {
            "received": self.received,
            "accepted": self.accepted,
            "duplicates": sorted(self.duplicates),
            "rejected": len(self.errors),
            "errors": [e.__dict__ for e in sorted(self.errors, key=lambda e: e.index)],
        }


def _merchant_ids(session: Session, platform_id: str, refs: set[str]) -> dict[str, str]:
    rows = session.execute(
        select(Merchant.external_ref, Merchant.id).where(
            Merchant.platform_id == platform_id, Merchant.external_ref.in_(refs)
        )
    ).all()
    return dict(rows)


def resolve_merchants(session: Session, platform_id: str, checked: Checked) -> dict[str, str]:
    """The suite's ids of the rows' merchant references; rows naming another platform's merchant are refused."""
    refs = {row.merchant_ref for row in checked.valid.values()}
    known = _merchant_ids(session, platform_id, refs) if refs else {}
    for index, row in list(checked.valid.items()):
        if row.merchant_ref not in known:
            checked.reject(index, "merchant_ref", "unknown merchant")
    return known


def _platform(session: Session, platform_id: str) -> Platform:
    # Looked up after the rows are validated: on SQLite the first query takes the write lock.
    platform = session.get(Platform, platform_id)
    assert platform is not None, "an authenticated platform exists"
    return platform


def prepare(rows: list[Any], model: type, when: str, key: str, now: dt.datetime, skew: dt.timedelta) -> tuple[Checked, BatchResult]:
    """Validate each row, refuse those dated in the future, report repeats within the batch as duplicates."""
    checked = parse_rows(rows, model)
    reject_future(checked, when, now, skew)
    result = BatchResult(received=len(rows))
    repeats = reject_repeats(checked, key)
    result.duplicates.extend(repeats)
    for i in repeats:
        del checked.valid[i]
    return checked, result


def ingest_orders(
    session: Session, platform_id: str, rows: list[Any], *, now: dt.datetime, skew: dt.timedelta, partitions: int = 1
) -> BatchResult:
    """Store new orders, report duplicates and bad rows, queue the daily increments."""
    checked, result = prepare(rows, OrderRow, "sold_at", "order_id", now, skew)
    platform = _platform(session, platform_id)
    merchants = resolve_merchants(session, platform.id, checked)
    new = _store_new(session, Order, "order_id", checked, result, lambda r: {
        "platform_id": platform.id, "order_id": r.order_id, "merchant_id": merchants[r.merchant_ref],
        "sold_at": r.sold_at, "amount": r.amount, "refunded": Decimal("0.00"), "category": r.category,
    })
    inc = new_increments()
    for r in new:
        day = inc[merchants[r.merchant_ref]][business_day(r.sold_at)]
        day.orders += 1
        day.gross_sales += r.amount
    _emit(session, platform, inc, partitions)
    return result


def ingest_refunds(
    session: Session, platform_id: str, rows: list[Any], *, now: dt.datetime, skew: dt.timedelta, partitions: int = 1
) -> BatchResult:
    """Store new refunds against the platform's own orders; a refund may not exceed what is left."""
    checked, result = prepare(rows, RefundRow, "refunded_at", "key", now, skew)
    platform = _platform(session, platform_id)
    order_ids = {r.order_id for r in checked.valid.values()}
    orders = {
        o.order_id: o
        for o in session.scalars(
            select(Order).where(Order.platform_id == platform.id, Order.order_id.in_(order_ids))
        )
    } if order_ids else {}
    known_refunds = set(
        session.scalars(
            select(Refund.refund_id).where(
                Refund.platform_id == platform.id, Refund.refund_id.in_({r.key for r in checked.valid.values()})
            )
        )
    ) if checked.valid else set()
    inc = new_increments()
    remaining = {oid: o.amount - o.refunded for oid, o in orders.items()}
    new_rows = []
    for index, r in list(checked.valid.items()):
        order = orders.get(r.order_id)
        if order is None:
            checked.reject(index, "order_id", "unknown order")
            continue
        if r.key in known_refunds:
            result.duplicates.append(index)
            continue
        if r.amount > remaining[r.order_id]:
            checked.reject(index, "amount", f"refund larger than what is left of the order ({remaining[r.order_id]})")
            continue
        if r.refunded_at < order.sold_at:
            checked.reject(index, "refunded_at", "is before the order was sold")
            continue
        remaining[r.order_id] -= r.amount
        new_rows.append({
            "platform_id": platform.id, "refund_id": r.key, "order_id": r.order_id,
            "merchant_id": order.merchant_id, "refunded_at": r.refunded_at, "amount": r.amount,
        })
        inc[order.merchant_id][business_day(r.refunded_at)].refunds += r.amount
    insert_new(session, Refund, new_rows, "refund_id")
    for oid in {row["order_id"] for row in new_rows}:
        session.execute(
            update(Order)
            .where(Order.platform_id == platform.id, Order.order_id == oid)
            .values(refunded=orders[oid].amount - remaining[oid])
        )
    result.accepted = len(new_rows)
    result.errors = checked.errors
    _emit(session, platform, inc, partitions)
    return result


def ingest_payouts(
    session: Session, platform_id: str, rows: list[Any], *, now: dt.datetime, skew: dt.timedelta, partitions: int = 1
) -> BatchResult:
    """Store new payouts (settlements) to the platform's merchants."""
    checked, result = prepare(rows, PayoutRow, "paid_at", "payout_id", now, skew)
    platform = _platform(session, platform_id)
    merchants = resolve_merchants(session, platform.id, checked)
    new = _store_new(session, Payout, "payout_id", checked, result, lambda r: {
        "platform_id": platform.id, "payout_id": r.payout_id, "merchant_id": merchants[r.merchant_ref],
        "paid_at": r.paid_at, "amount": r.amount,
    })
    inc = new_increments()
    for r in new:
        inc[merchants[r.merchant_ref]][business_day(r.paid_at)].payouts += r.amount
    _emit(session, platform, inc, partitions)
    return result


def _store_new(session: Session, model: Any, key: str, checked: Checked, result: BatchResult, to_row: Callable[[Any], dict[str, Any]]) -> list[Any]:
    """Insert the valid rows not stored before, report the others as duplicates; returns the new rows."""
    inserted = insert_new(session, model, [to_row(r) for r in checked.valid.values()], key)
    new = []
    for index, r in checked.valid.items():
        if getattr(r, key) in inserted:
            new.append(r)
        else:
            result.duplicates.append(index)
    result.accepted = len(inserted)
    result.errors = checked.errors
    return new


def _emit(session: Session, platform: Platform, inc: Increments, partitions: int) -> None:
    """Queue the batch's increments: one event per partition of sales.v1 (`partitions` of them)."""
    produce = {m: p for m, p in session.execute(select(Merchant.id, Merchant.produce).where(Merchant.id.in_(list(inc))))}
    by_partition: dict[int, list[sales.DailySalesRecorded]] = {}
    for merchant_id, days in inc.items():
        payload = sales.DailySalesRecorded(
            merchant_id=merchant_id,
            platform_id=platform.id,
            settlement_lag_days=platform.settlement_lag_days,
            fee_rate=float(platform.fee_rate),
            produce=produce.get(merchant_id),
            days=[
                # Built from rows validated above: construct without validating each day again.
                sales.DailyTotals.model_construct(day=d, orders=t.orders, gross_sales=t.gross_sales, refunds=t.refunds, payouts=t.payouts)
                for d, t in sorted(days.items())
            ],
        )
        by_partition.setdefault(partition_for(merchant_id, partitions), []).append(payload)
    envelopes = [
        sales.event(sales.DailySalesBatchRecorded(merchants=group[i : i + sales.MAX_MERCHANTS_PER_EVENT]), producer=PRODUCER)
        for _, group in sorted(by_partition.items())
        for i in range(0, len(group), sales.MAX_MERCHANTS_PER_EVENT)
    ]
    add_events(session, Base.OutboxRow, sales.TOPIC, envelopes)
