"""The life of a loan after disbursement: its schedule on payout dates, how a repayment is
allocated, days past due and the status that follows from them. Plain Python, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

Status = Literal["disbursed", "current", "in_arrears", "defaulted", "repaid", "written_off"]
DISBURSED: Final = "disbursed"
CURRENT: Final = "current"
IN_ARREARS: Final = "in_arrears"
DEFAULTED: Final = "defaulted"
REPAID: Final = "repaid"
WRITTEN_OFF: Final = "written_off"

STATUSES: tuple[Status, ...] = (DISBURSED, CURRENT, IN_ARREARS, DEFAULTED, REPAID, WRITTEN_OFF)
# Loans whose days past due are still counted: a defaulted loan may still recover money.
OPEN = (DISBURSED, CURRENT, IN_ARREARS, DEFAULTED)
DEFAULT_AFTER_DAYS = 90

# Default is for good: a recovery after it is money back on a bad loan, not a cure.
_NEXT: dict[Status, set[Status]] = {
    DISBURSED: {CURRENT, IN_ARREARS, DEFAULTED, REPAID, WRITTEN_OFF},
    CURRENT: {IN_ARREARS, DEFAULTED, REPAID, WRITTEN_OFF},
    IN_ARREARS: {CURRENT, DEFAULTED, REPAID, WRITTEN_OFF},
    DEFAULTED: {WRITTEN_OFF},
    REPAID: set(),
    WRITTEN_OFF: set(),
}

# Arrears buckets by days past due, as lenders report them (and roll rates move between them).
Bucket = Literal["current", "1-29", "30-59", "60-89", "90+"]
BUCKETS: tuple[tuple[int, Bucket], ...] = ((0, "current"), (1, "1-29"), (30, "30-59"), (60, "60-89"), (90, "90+"))
CENT = Decimal("0.01")


class LoanRuleError(ValueError):
    """A change the loan's life does not allow."""


def check(current: Status, new: Status) -> None:
    """Raise LoanRuleError unless a loan that is `current` may become `new`."""
    if new not in _NEXT.get(current, set()):
        raise LoanRuleError(f"a loan that is {current} cannot become {new}")


def yuan(x: Decimal) -> Decimal:
    """Round to the fen."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def bucket(days_past_due: int) -> Bucket:
    """The arrears bucket of a number of days past due."""
    return next(name for low, name in reversed(BUCKETS) if days_past_due >= low)


def payout_weekdays(payout_days: Iterable[dt.date]) -> frozenset[int]:
    """The weekdays on which the merchant's platform has paid it out (empty: none known)."""
    return frozenset(d.weekday() for d in payout_days)


def due_dates(start: dt.date, term_days: int, cycle_days: int, weekdays: frozenset[int] = frozenset()) -> list[dt.date]:
    """One due date per settlement cycle, each on the first payout weekday on or after the cycle's end.

    A repayment deducted from a payout needs a payout to deduct it from: a due date between
    payouts would be missed by design.
    """
    cycle = cycle_days if 0 < cycle_days < term_days else term_days
    ends = list(range(cycle, term_days + 1, cycle))
    if ends[-1] != term_days:
        ends[-1] = term_days  # a short last cycle joins the one before it
    out: list[dt.date] = []
    for offset in ends:
        due = start + dt.timedelta(days=offset)
        while weekdays and due.weekday() not in weekdays:
            due += dt.timedelta(days=1)
        out.append(max(due, out[-1] + dt.timedelta(days=1)) if out else due)
    return out


@dataclass
class Instalment:
    """One instalment of a loan and how much of it has been paid."""

    seq: int
    due: dt.date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal = Decimal("0.00")
    interest_paid: Decimal = Decimal("0.00")
    paid_on: dt.date | None = None

    @property
    def amount(self) -> Decimal:
        """What the instalment asks for in all."""
        return self.principal + self.interest

    @property
    def owed(self) -> Decimal:
        """What is left of it to pay."""
        return self.principal + self.interest - self.principal_paid - self.interest_paid


def schedule(principal: Decimal, annual_rate: Decimal, start: dt.date, dues: Sequence[dt.date]) -> list[Instalment]:
    """Equal instalments (an annuity) with interest on the balance outstanding, day count actual/365.

    The last instalment takes what rounding left of the principal.
    """
    n = len(dues)
    period = annual_rate * Decimal((dues[-1] - start).days) / Decimal(365) / n
    level = principal / n if period == 0 else principal * period / (1 - (1 + period) ** -n)
    out, balance, since = [], principal, start
    for k, due in enumerate(dues, start=1):
        interest = yuan(balance * annual_rate * Decimal((due - since).days) / Decimal(365))
        part = balance if k == n else min(balance, max(Decimal("0.00"), yuan(level) - interest))
        out.append(Instalment(seq=k, due=due, principal=part, interest=interest))
        balance -= part
        since = due
    return out


@dataclass
class Allocation:
    """Where one repayment went: interest and principal, instalment by instalment, and any excess."""

    interest: Decimal = Decimal("0.00")
    principal: Decimal = Decimal("0.00")
    unallocated: Decimal = Decimal("0.00")
    parts: list[tuple[int, Decimal, Decimal]] = field(default_factory=list)  # (seq, interest, principal)


def allocate(instalments: Sequence[Instalment], amount: Decimal, paid_on: dt.date) -> Allocation:
    """Apply a repayment to the oldest instalment first, its interest before its principal.

    What is left once every instalment is paid stays unallocated (an overpayment to return).
    """
    out, left = Allocation(), amount
    for inst in sorted(instalments, key=lambda i: i.seq):
        if left <= 0:
            break
        interest = min(left, inst.interest - inst.interest_paid)
        principal = min(left - interest, inst.principal - inst.principal_paid)
        if interest <= 0 and principal <= 0:
            continue
        inst.interest_paid += interest
        inst.principal_paid += principal
        left -= interest + principal
        if inst.owed == 0:
            inst.paid_on = paid_on
        out.interest += interest
        out.principal += principal
        out.parts.append((inst.seq, interest, principal))
    out.unallocated = left
    return out


def days_past_due(instalments: Iterable[Instalment], as_of: dt.date) -> int:
    """Days since the oldest instalment still owed fell due (0 when nothing due is owed).

    An instalment due today is not late until tomorrow.
    """
    late = [i.due for i in instalments if i.owed > 0 and i.due < as_of]
    return (as_of - min(late)).days if late else 0


def outstanding_principal(instalments: Iterable[Instalment]) -> Decimal:
    """Principal not yet repaid."""
    return sum((i.principal - i.principal_paid for i in instalments), Decimal("0.00"))


def status_for(
    status: Status, instalments: Sequence[Instalment], as_of: dt.date, *, default_after_days: int, repaid_any: bool
) -> Status:
    """The status the facts call for: repaid, defaulted (at `default_after_days` past due), in
    arrears, current (something has fallen due or been paid, and nothing due is owed) or still
    just disbursed. Written-off, repaid and defaulted loans keep their status."""
    if status in (WRITTEN_OFF, REPAID, DEFAULTED):
        return status
    if all(i.owed == 0 for i in instalments):
        return REPAID
    dpd = days_past_due(instalments, as_of)
    if dpd >= default_after_days:
        return DEFAULTED
    if dpd > 0:
        return IN_ARREARS
    if repaid_any or any(i.due < as_of for i in instalments) or status != DISBURSED:
        return CURRENT
    return DISBURSED
