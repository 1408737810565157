"""Limit sizing from forecast collections, term alignment and the repayment schedule."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ruralcredit_scoring.domain.config import DEFAULT_POLICY, PolicyConfig

FEN = Decimal("0.01")


def yuan(x: float | Decimal | str) -> Decimal:
    """Money in yuan with two places, rounded half up."""
    # Floats go through their shortest repr, so 0.1 is 0.10 and not 0.1000000000000000055…
    return (x if isinstance(x, Decimal) else Decimal(str(x))).quantize(FEN, rounding=ROUND_HALF_UP)


def align_term(requested_days: int, settlement_lag: int, cfg: PolicyConfig = DEFAULT_POLICY) -> int:
    """Round the term up to whole settlement cycles, within the product's term range."""
    cycle = settlement_lag if settlement_lag > 0 else 1
    lo = -(-cfg.min_term_days // cycle) * cycle
    hi = max(cfg.max_term_days // cycle * cycle, lo)
    term = -(-max(requested_days, 1) // cycle) * cycle
    return min(max(term, lo), hi)


@dataclass(frozen=True)
class LimitResult:
    """The limit, the P10 collections it was sized from, and which cap bound it."""

    limit: Decimal
    p10_collections: Decimal
    binding: str


def term_p10_for(term_days: int, requested_term: int, requested_term_p10: float | None, daily_p10: Sequence[float]) -> float | None:
    """P10 of total collections over `term_days`, from the forecaster's P10 over the requested term.

    The forecaster's total over the requested term is scaled by how much it exceeds the sum of
    the daily P10s there; None when the forecaster gave no total.
    """
    if requested_term_p10 is None:
        return None
    daily_sum = _collected(daily_p10, requested_term)
    if daily_sum <= 0:
        return max(requested_term_p10, 0.0) if term_days >= requested_term else 0.0
    factor = max(requested_term_p10, 0.0) / daily_sum
    return factor * _collected(daily_p10, term_days)


def _collected(daily: Sequence[float], days: int) -> float:
    """Sum of the first `days` daily amounts, negative forecasts counted as nothing."""
    return float(sum(x for x in daily[:days] if x > 0))


def size_limit(
    *,
    daily_p10: Sequence[float],
    term_days: int,
    requested: Decimal,
    existing_exposure: Decimal = Decimal("0.00"),
    cfg: PolicyConfig = DEFAULT_POLICY,
    term_p10: float | None = None,
) -> LimitResult:
    """Limit = min(share of P10 collections over the term, product maximum, requested, exposure headroom)."""
    # Without the forecaster's total, the sum of daily P10s stands in (conservative), and a
    # forecast shorter than the term counts as nothing beyond its end.
    p10 = yuan(term_p10 if term_p10 is not None else _collected(daily_p10, term_days))
    caps = {
        "p10_collections": yuan(p10 * cfg.collection_share),
        "product_max": cfg.product_max,
        "requested": yuan(requested),
        "exposure_cap": max(cfg.max_merchant_exposure - existing_exposure, Decimal("0.00")),
    }
    binding = min(caps, key=lambda k: caps[k])
    return LimitResult(caps[binding], p10, binding)


@dataclass(frozen=True)
class Instalment:
    """One repayment due on a payout date; principal and interest parts in yuan."""

    due: dt.date
    amount: Decimal
    principal: Decimal
    interest: Decimal


def due_dates(
    as_of: dt.date, term_days: int, settlement_lag: int, payout_days: Sequence[dt.date] = ()
) -> list[dt.date]:
    """One due date per settlement cycle: the merchant's first payout on or after the cycle end."""
    cycle = settlement_lag if settlement_lag > 0 else term_days
    ends = [as_of + dt.timedelta(days=d) for d in range(cycle, term_days + 1, cycle)] or [
        as_of + dt.timedelta(days=term_days)
    ]
    payouts = sorted(payout_days)
    out: list[dt.date] = []
    for end in ends:
        i = bisect.bisect_left(payouts, end)
        due = payouts[i] if i < len(payouts) else end
        out.append(max(due, out[-1] + dt.timedelta(days=1)) if out else due)
    return out


def _interest_schedule(
    principal: Decimal, annual_rate: Decimal, as_of: dt.date, dues: list[dt.date], payments: list[Decimal | None]
) -> list[Instalment]:
    """Interest on the outstanding balance per period; None payments and the last one settle the rest."""
    out, balance, prev = [], principal, as_of
    for k, due in enumerate(dues):
        interest = yuan(balance * annual_rate * Decimal((due - prev).days) / Decimal(365))
        pay = payments[k]
        last = k == len(dues) - 1
        amount = balance + interest if last or pay is None else min(pay, balance + interest)
        principal_part = amount - interest
        if principal_part < 0:  # a payment below the interest still leaves the interest due
            amount, principal_part = interest, Decimal("0.00")
        balance -= principal_part
        out.append(Instalment(due, yuan(amount), yuan(principal_part), interest))
        prev = due
    return out


def fixed_schedule(principal: Decimal, annual_rate: Decimal, as_of: dt.date, dues: list[dt.date]) -> list[Instalment]:
    """Equal instalments (annuity) on the due dates; the last absorbs rounding."""
    n = len(dues)
    days = Decimal((dues[-1] - as_of).days) / Decimal(n)
    r = annual_rate * days / Decimal(365)
    pay = principal / n if r == 0 else principal * r / (1 - (1 + r) ** -n)
    return _interest_schedule(principal, annual_rate, as_of, dues, [yuan(pay)] * n)


def share_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    as_of: dt.date,
    dues: list[dt.date],
    daily_p50: Sequence[float],
) -> tuple[list[Instalment], Decimal]:
    """A fixed share of each cycle's expected (P50) payouts; returns the schedule and the share."""
    fixed = fixed_schedule(principal, annual_rate, as_of, dues)
    total_due = sum((i.amount for i in fixed), Decimal(0))
    bounds = [0] + [(d - as_of).days for d in dues]
    cycles = [Decimal(str(sum(max(float(x), 0.0) for x in daily_p50[a:b]))) for a, b in itertools.pairwise(bounds)]
    expected = sum(cycles, Decimal(0))
    if expected <= 0:
        return fixed, Decimal("1.0000")
    share = min(total_due / expected, Decimal(1)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return _interest_schedule(principal, annual_rate, as_of, dues, [yuan(c * share) for c in cycles]), share
