"""Validation of pushed sales rows and their aggregation into daily increments."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from ruralcredit_common.inputs import MAX_MONEY, Moment, money, text

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")

# Ids and references: stored and shown to people, so no control or bidirectional characters.
Ref = Annotated[str, text(1, 64)]
Amount = Annotated[Decimal, money(MAX_MONEY)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: Literal["CNY"] = "CNY"


class OrderRow(_Row):
    """One sold order."""

    order_id: Ref
    merchant_ref: Ref
    sold_at: Moment
    amount: Amount
    category: Annotated[str, text(1, 40)] = "general"


class RefundRow(_Row):
    """Money returned on an order; refund_id defaults to the order id (one refund per order)."""

    order_id: Ref
    refund_id: Ref | None = None
    refunded_at: Moment
    amount: Amount

    @property
    def key(self) -> str:
        """The refund's idempotency key."""
        return self.refund_id or self.order_id


class PayoutRow(_Row):
    """A settlement the platform paid the merchant."""

    payout_id: Ref
    merchant_ref: Ref
    paid_at: Moment
    amount: Amount


@dataclass
class RowError:
    """Why one row of a batch was refused."""

    index: int
    field: str
    reason: str


@dataclass
class Checked:
    """The rows of a batch that passed, by index, and the errors of those that did not."""

    valid: dict[int, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def reject(self, index: int, field_name: str, reason: str) -> None:
        """Move a row from valid to errors."""
        self.errors.append(RowError(index, field_name, reason))
        del self.valid[index]


def parse_rows(rows: list[Any], model: type[BaseModel]) -> Checked:
    """Validate each row on its own so one bad row never sinks the batch."""
    adapter = _list_adapter(model)
    out = Checked()
    try:
        out.valid = dict(enumerate(adapter.validate_python(rows)))
        return out
    except ValidationError as exc:
        # The first error of each row: read backwards, an earlier error overwrites a later one.
        first = {int(err["loc"][0]): err for err in reversed(exc.errors())}
    # Validating the list at once is twice as fast as row by row; only a batch with bad rows
    # pays for a second pass over its good ones.
    good = [i for i in range(len(rows)) if i not in first]
    out.valid = dict(zip(good, adapter.validate_python([rows[i] for i in good]), strict=True))
    for index, err in sorted(first.items()):
        where = ".".join(str(p) for p in err["loc"][1:]) or "(row)"
        out.errors.append(RowError(index, where, err["msg"]))
    return out


@functools.cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]  # parametrised at run time with the row model


def reject_future(checked: Checked, when: str, now: dt.datetime, skew: dt.timedelta) -> None:
    """Refuse rows dated after now (allowing for clock skew)."""
    limit = now + skew
    for index, row in list(checked.valid.items()):
        if getattr(row, when) > limit:
            checked.reject(index, when, "is in the future")


def reject_repeats(checked: Checked, key: str) -> set[int]:
    """Indices of rows whose id already appeared earlier in the same batch."""
    seen: set[str] = set()
    repeats = set()
    for index, row in checked.valid.items():
        value = getattr(row, key)
        if value in seen:
            repeats.add(index)
        seen.add(value)
    return repeats


def business_day(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar day a moment falls on."""
    return moment.astimezone(BUSINESS_TZ).date()


@dataclass
class DayTotals:
    """Increments to one merchant's day."""

    orders: int = 0
    gross_sales: Decimal = Decimal("0.00")
    refunds: Decimal = Decimal("0.00")
    payouts: Decimal = Decimal("0.00")


Increments = dict[str, dict[dt.date, DayTotals]]


def new_increments() -> Increments:
    """An empty merchant → day → totals map."""
    return defaultdict(lambda: defaultdict(DayTotals))
