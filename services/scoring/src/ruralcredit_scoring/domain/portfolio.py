"""What became of the loans, against what was predicted: outcome labels by the outcome window,
realised against predicted default by grade with a binomial interval, vintage curves, arrears
buckets, roll rates and how the loans officers approved against the model performed.
Plain Python: the figures a test can compute by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULTED, REPAID, PERFORMING, OPEN = "defaulted", "repaid", "performing", "open"
# Good outcomes: repaid, or still paying with no default at the end of the outcome window.
MATURED = (DEFAULTED, REPAID, PERFORMING)
BUCKETS = ("current", "1-29", "30-59", "60-89", "90+")
CLOSED_STATES = ("repaid", "default")
# A grade needs this many matured loans before its realised rate says anything (and may alert).
MIN_LOANS = 30


@dataclass(frozen=True)
class Loan:
    """One loan's facts as the scoring service keeps them."""

    loan_id: str
    disbursed_on: dt.date
    maturity_on: dt.date
    default_after_days: int
    grade: str | None
    pd: float | None
    status: str
    days_past_due: int = 0
    outstanding: Decimal = Decimal("0.00")
    defaulted_on: dt.date | None = None
    repaid_on: dt.date | None = None
    written_off_on: dt.date | None = None
    overridden: bool = False
    model_outcome: str | None = None
    # (as_of, bucket) of each move to another arrears bucket, oldest first.
    arrears: tuple[tuple[dt.date, str], ...] = ()

    @property
    def bad_on(self) -> dt.date | None:
        """When the loan went bad: its default, or a write-off without one."""
        return self.defaulted_on or self.written_off_on


def outcome(loan: Loan, as_of: dt.date, window_days: int | None = None) -> str:
    """defaulted, repaid, performing or open (not judged yet) as of `as_of`.

    A loan is judged once its whole outcome window has passed, whatever became of it: within
    `window_days` of disbursement when given, else until its last instalment could be past due
    by its default definition (by then it is repaid or defaulted). Judging a loan as soon as it
    repaid, while its siblings that will default are still running, would make the recent
    loans look better than they are. Inside the window a default is bad; a loan repaid, or still
    paying without default when the window ends (performing), is good.
    """
    end = loan.disbursed_on + dt.timedelta(days=window_days) if window_days else loan.maturity_on + dt.timedelta(days=loan.default_after_days)
    if as_of < end:
        return OPEN
    if loan.bad_on is not None and loan.bad_on <= end:
        return DEFAULTED
    if loan.repaid_on is not None and loan.repaid_on <= end:
        return REPAID
    return PERFORMING


def binomial_interval(n: int, p: float, level: float = 0.95) -> tuple[float, float]:
    """The central `level` range of the default rate among `n` loans if each defaults with probability `p`."""
    if n == 0:
        return 0.0, 1.0
    p = min(max(p, 1e-12), 1 - 1e-12)
    tail = (1 - level) / 2
    lo = hi = None
    cdf = 0.0
    for k in range(n + 1):
        cdf += math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p))
        if lo is None and cdf >= tail:
            lo = k
        if cdf >= 1 - tail:
            hi = k
            break
    return (lo or 0) / n, (n if hi is None else hi) / n


@dataclass(frozen=True)
class GradeFigures:
    """Realised against predicted default among one grade's matured loans."""

    grade: str
    loans: int
    defaults: int
    predicted: float
    low: float
    high: float

    @property
    def realised(self) -> float:
        """Share of the grade's matured loans that defaulted."""
        return self.defaults / self.loans if self.loans else 0.0

    @property
    def outside(self) -> bool:
        """Whether the realised rate left the predicted interval, with enough loans to say so."""
        return self.loans >= MIN_LOANS and not self.low <= self.realised <= self.high


def by_grade(loans: Iterable[Loan], as_of: dt.date, window_days: int | None = None, level: float = 0.95) -> list[GradeFigures]:
    """Per grade: matured loans, defaults, mean predicted PD and the binomial interval around it."""
    groups: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for loan in loans:
        result = outcome(loan, as_of, window_days)
        if result in MATURED and loan.grade and loan.pd is not None:
            groups[loan.grade].append((result == DEFAULTED, loan.pd))
    out = []
    for grade in sorted(groups):
        rows = groups[grade]
        predicted = sum(p for _, p in rows) / len(rows)
        low, high = binomial_interval(len(rows), predicted, level)
        out.append(GradeFigures(grade, len(rows), sum(bad for bad, _ in rows), predicted, low, high))
    return out


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start`'s month to `end`'s (months on book)."""
    return (end.year - start.year) * 12 + end.month - start.month


def vintages(loans: Iterable[Loan], as_of: dt.date) -> dict[str, list[float]]:
    """Per month of origination (YYYY-MM): the cumulative share of its loans gone bad by each month on book 0, 1, …"""
    cohorts: dict[str, list[Loan]] = defaultdict(list)
    for loan in loans:
        cohorts[loan.disbursed_on.strftime("%Y-%m")].append(loan)
    out = {}
    for name in sorted(cohorts):
        group = cohorts[name]
        age = months_between(group[0].disbursed_on, as_of)
        bad_at = Counter(months_between(x.disbursed_on, x.bad_on) for x in group if x.bad_on and x.bad_on <= as_of)
        curve, total = [], 0
        for mob in range(age + 1):
            total += bad_at.get(mob, 0)
            curve.append(total / len(group))
        out[name] = curve
    return out


def state_on(loan: Loan, day: dt.date) -> str | None:
    """The loan's arrears bucket on `day`, or repaid / default once closed; None before disbursement."""
    if day < loan.disbursed_on:
        return None
    if loan.repaid_on and loan.repaid_on <= day:
        return "repaid"
    if loan.bad_on and loan.bad_on <= day:
        return "default"
    moves = [bucket for on, bucket in loan.arrears if on <= day]
    return moves[-1] if moves else "current"


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of each month from `first`'s month up to `last` (inclusive if `last` ends a month)."""
    out: list[dt.date] = []
    year, month = first.year, first.month
    while True:
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if end > last:
            return out
        out.append(end)
        year, month = nxt.year, nxt.month


@dataclass
class RollRates:
    """Counts of loans by bucket at one month end and their state at the next."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def share(self, source: str, target: str) -> float:
        """Share of the loans in `source` a month end that were in `target` at the next."""
        total = sum(self.counts[source].values())
        return self.counts[source][target] / total if total else 0.0

    def worse(self, source: str) -> float:
        """Share of the loans in `source` that rolled to a worse bucket or defaulted a month later."""
        rank = {b: i for i, b in enumerate((*BUCKETS, "default"))}
        total = sum(self.counts[source].values())
        rolled = sum(n for t, n in self.counts[source].items() if t in rank and rank[t] > rank[source])
        return rolled / total if total else 0.0


def roll_rates(loans: Sequence[Loan], as_of: dt.date) -> RollRates:
    """Month-end to month-end moves between arrears buckets, over every month the book has run."""
    out = RollRates()
    if not loans:
        return out
    ends = month_ends(min(x.disbursed_on for x in loans), as_of)
    for loan in loans:
        for e1, e2 in itertools.pairwise(ends):
            source = state_on(loan, e1)
            if source in BUCKETS:
                out.counts[source][state_on(loan, e2) or "current"] += 1
    return out


def arrears_buckets(loans: Iterable[Loan]) -> dict[str, tuple[int, Decimal]]:
    """Open loans by their current arrears bucket: how many and the principal outstanding."""
    out = {b: (0, Decimal("0.00")) for b in BUCKETS}
    for loan in loans:
        if loan.status in ("disbursed", "current", "in_arrears"):
            b = bucket(loan.days_past_due)
            n, amount = out[b]
            out[b] = (n + 1, amount + loan.outstanding)
    return out


def bucket(days_past_due: int) -> str:
    """The arrears bucket of a number of days past due."""
    return BUCKETS[0 if days_past_due <= 0 else 1 if days_past_due < 30 else 2 if days_past_due < 60 else 3 if days_past_due < 90 else 4]


@dataclass(frozen=True)
class OverrideFigures:
    """How matured loans performed by who approved them."""

    kind: str  # "model" (approved by the model) or the model's outcome an officer overrode ("refer", "decline")
    loans: int
    defaults: int
    predicted: float

    @property
    def realised(self) -> float:
        """Share defaulted."""
        return self.defaults / self.loans if self.loans else 0.0


def override_outcomes(loans: Iterable[Loan], as_of: dt.date, window_days: int | None = None) -> list[OverrideFigures]:
    """Matured loans the model approved against those officers approved over a refer or a decline."""
    groups: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for loan in loans:
        result = outcome(loan, as_of, window_days)
        if result not in MATURED:
            continue
        kind = (loan.model_outcome or "unknown") if loan.overridden else "model"
        groups[kind].append((result == DEFAULTED, loan.pd if loan.pd is not None else math.nan))
    return [OverrideFigures(k, len(v), sum(b for b, _ in v), sum(p for _, p in v) / len(v)) for k, v in sorted(groups.items())]
