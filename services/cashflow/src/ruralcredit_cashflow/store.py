"""Storing and loading the per-merchant daily series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Float, cast, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ruralcredit_cashflow.orm import AccountFlowDay, MerchantDay, MerchantPlatform, PurchasePlan
from ruralcredit_common.contracts import sales


def _insert(session: Session) -> Callable[[Any], postgresql.Insert | sqlite.Insert]:
    """The dialect's INSERT, which can say ON CONFLICT (both spell it the same way)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def add_daily_sales(session: Session, events: list[sales.DailySalesRecorded]) -> None:
    """Add batches' increments to the merchants' days: one upsert-and-add per merchant-day.

    Increments of the same merchant-day are summed first (PostgreSQL refuses to update one row
    twice in a statement); the platform terms a merchant's latest event states win.
    """
    if not events:
        return
    totals: dict[tuple[str, dt.date], list] = {}
    terms: dict[str, dict] = {}
    for event in events:
        for d in event.days:
            t = totals.setdefault((event.merchant_id, d.day), [0, Decimal(0), Decimal(0), Decimal(0)])
            t[0] += d.orders
            t[1] += d.gross_sales
            t[2] += d.refunds
            t[3] += d.payouts
        merged = terms.setdefault(event.merchant_id, {})
        merged.update(platform_id=event.platform_id, settlement_lag_days=event.settlement_lag_days, fee_rate=event.fee_rate)
        # An event without the field (an older producer, a replay) says nothing about the produce.
        if "produce" in event.model_fields_set:
            merged["produce"] = event.produce
    insert = _insert(session)
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
        [
            {"merchant_id": m, "day": day, "orders": t[0], "gross_sales": t[1], "refunds": t[2], "payouts": t[3]}
            for (m, day), t in totals.items()
        ],
    )
    # One statement per shape: rows that set the produce and rows that leave it as it is.
    for with_produce in (False, True):
        rows = [{"merchant_id": m, **t} for m, t in terms.items() if ("produce" in t) == with_produce]
        if rows:
            platform = insert(MerchantPlatform)
            keep = [c for c in rows[0] if c != "merchant_id"]
            session.execute(
                platform.on_conflict_do_update(index_elements=["merchant_id"], set_={c: platform.excluded[c] for c in keep}),
                rows,
            )


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


@dataclass(frozen=True)
class RecordedDays:
    """A merchant's recorded days, oldest first: day ordinals and amounts in yuan."""

    ordinal: np.ndarray
    gross_sales: np.ndarray
    refunds: np.ndarray
    payouts: np.ndarray

    def window(self, first: dt.date, last: dt.date) -> tuple[dt.date, dict[str, np.ndarray]]:
        """Dense arrays from the first recorded day in [first, last] to last; days with no record are zero."""
        lo, hi = np.searchsorted(self.ordinal, [first.toordinal(), last.toordinal() + 1])
        start = dt.date.fromordinal(int(self.ordinal[lo])) if hi > lo else last
        n = (last - start).days + 1
        out = {}
        for k in ("gross_sales", "refunds", "payouts"):
            out[k] = np.zeros(n)
            out[k][self.ordinal[lo:hi] - start.toordinal()] = getattr(self, k)[lo:hi]
        return start, out


def recorded_days(session: Session, merchant_ids: set[str], since: dt.date, until: dt.date) -> dict[str, RecordedDays]:
    """The merchants' recorded days in [since, until], read in one query (merchants with none are absent)."""
    if not merchant_ids:
        return {}
    rows = session.execute(
        select(
            MerchantDay.merchant_id, MerchantDay.day, cast(MerchantDay.gross_sales, Float),
            cast(MerchantDay.refunds, Float), cast(MerchantDay.payouts, Float),
        )
        .where(MerchantDay.merchant_id.in_(merchant_ids), MerchantDay.day >= since, MerchantDay.day <= until)
        .order_by(MerchantDay.merchant_id, MerchantDay.day)
    ).all()
    out: dict[str, RecordedDays] = {}
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j][0] == rows[i][0]:
            j += 1
        chunk = rows[i:j]
        out[rows[i][0]] = RecordedDays(
            np.array([r[1].toordinal() for r in chunk]), *(np.array([r[k] or 0.0 for r in chunk], float) for k in (2, 3, 4))
        )
        i = j
    return out


def platform_terms(session: Session, merchant_id: str) -> MerchantPlatform | None:
    """The merchant's platform and its declared settlement terms, if any sales arrived."""
    return session.get(MerchantPlatform, merchant_id)


def platform_terms_of(session: Session, merchant_ids: set[str]) -> dict[str, MerchantPlatform]:
    """The platform terms of the merchants that have any."""
    rows = session.scalars(select(MerchantPlatform).where(MerchantPlatform.merchant_id.in_(merchant_ids)))
    return {r.merchant_id: r for r in rows}


def account_flows_of(session: Session, merchant_ids: set[str], start: dt.date, end: dt.date) -> dict[str, AccountFlowWindow]:
    """The merchants' reported account flows over [start, end] (merchants with none are absent)."""
    rows = session.execute(
        select(AccountFlowDay.merchant_id, AccountFlowDay.day, cast(AccountFlowDay.inflow, Float), cast(AccountFlowDay.outflow, Float))
        .where(AccountFlowDay.merchant_id.in_(merchant_ids), AccountFlowDay.day >= start, AccountFlowDay.day <= end)
    ).all()
    out: dict[str, AccountFlowWindow] = {}
    for merchant_id, day, inflow, outflow in rows:
        out.setdefault(merchant_id, AccountFlowWindow({})).days[day] = (inflow or 0.0, outflow or 0.0)
    return out


@dataclass(frozen=True)
class AccountFlowWindow:
    """A merchant's reported account flows by day."""

    days: dict[dt.date, tuple[float, float]]

    def window(self, start: dt.date, end: dt.date) -> dict[str, np.ndarray] | None:
        """Daily inflows and outflows over [start, end], or None when none were reported there."""
        n = (end - start).days + 1
        inflow, outflow = np.zeros(n), np.zeros(n)
        seen = False
        for day, (i, o) in self.days.items():
            k = (day - start).days
            if 0 <= k < n:
                inflow[k], outflow[k], seen = i, o, True
        return {"inflow": inflow, "outflow": outflow} if seen else None


def purchase_plans_of(session: Session, merchant_ids: set[str], after: dt.date) -> dict[str, list[PurchasePlan]]:
    """The merchants' purchase plans that end after `after`."""
    out: dict[str, list[PurchasePlan]] = {}
    for plan in session.scalars(select(PurchasePlan).where(PurchasePlan.merchant_id.in_(merchant_ids), PurchasePlan.end > after)):
        out.setdefault(plan.merchant_id, []).append(plan)
    return out


def to_yuan(value: float) -> Decimal:
    """A float amount as yuan with two places."""
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))
