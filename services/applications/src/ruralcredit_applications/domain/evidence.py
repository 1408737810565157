"""Seasonal cash-flow evidence beyond sales: account flows and purchase plans."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ruralcredit_applications.domain.sales import Amount, Checked, Ref
from ruralcredit_common.inputs import MAX_MONEY, Day, money, text

NonNegative = Annotated[Decimal, money(MAX_MONEY, positive=False)]
# The header line exactly (after an optional byte-order mark), then anything: lines are checked one by one.
CSV_PATTERN = r"^\ufeff?day,inflow,outflow(?:[\r\n][\s\S]*)?$"
MAX_PLAN_DAYS = 366


class FlowRow(BaseModel):
    """One day of money in and out of a merchant's account."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    day: Day
    inflow: NonNegative
    outflow: NonNegative


class PlatformFlowRow(FlowRow):
    """A day of account flows pushed by a payment platform for one of its merchants."""

    merchant_ref: Ref


class PlanIn(BaseModel):
    """A purchase plan: spend `amount` evenly between `start` and `end`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"description": "Buy up mangoes from neighbouring orchards", "amount": "40000.00", "start": "2027-06-20", "end": "2027-07-10"}]},
    )
    description: Annotated[str, text(1, 200)]
    amount: Amount
    start: Day
    end: Day = Field(description=f"On or after start, at most {MAX_PLAN_DAYS} days later")

    @model_validator(mode="after")
    def _window(self) -> PlanIn:
        if self.end < self.start:
            raise ValueError("end is before start")
        if (self.end - self.start).days > MAX_PLAN_DAYS:
            raise ValueError(f"a plan spans at most {MAX_PLAN_DAYS} days")
        return self


def reject_future_days(checked: Checked, today: dt.date) -> None:
    """Account flows report what happened: a day after today is refused."""
    for index, row in list(checked.valid.items()):
        if row.day > today:
            checked.reject(index, "day", "is in the future")


def reject_repeated_days(checked: Checked, key: Any = lambda r: r.day) -> None:
    """The same day twice in one upload is ambiguous: both are refused."""
    seen: dict[Any, int] = {}
    for index, row in list(checked.valid.items()):
        k = key(row)
        if k in seen:
            checked.reject(index, "day", "appears more than once in this upload")
            if seen[k] in checked.valid:
                checked.reject(seen[k], "day", "appears more than once in this upload")
        seen[k] = index


def flow_csv_rows(text: str, max_rows: int) -> list[dict[str, Any] | str]:
    """Rows of a CSV with the header `day,inflow,outflow` (a row with the wrong column count stays a string)."""
    # newline="" lets the reader take \n, \r\n and a bare \r (old spreadsheet exports) as line ends.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        if header != ["day", "inflow", "outflow"]:
            raise ValueError("the header must be exactly: day,inflow,outflow")
        rows: list[dict[str, Any] | str] = []
        for cells in reader:
            if len(rows) >= max_rows:
                raise OverflowError(f"at most {max_rows} rows per upload")
            if len(cells) != 3:
                rows.append(",".join(cells))
                continue
            rows.append(dict(zip(header, (c.strip() for c in cells), strict=True)))
    except csv.Error as exc:
        raise ValueError(f"not readable as CSV: {exc}") from None
    return rows
