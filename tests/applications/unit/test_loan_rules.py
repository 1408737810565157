"""The loan rules alone: schedule on payout days, allocation, days past due and the status they call for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ruralcredit_applications.domain import loans as rules

D = Decimal
START = dt.date(2026, 7, 1)  # a Wednesday


def test_due_dates_fall_on_the_platforms_payout_weekdays_one_per_cycle():
    mondays = frozenset({0})
    dues = rules.due_dates(START, 60, 15, mondays)
    assert [d.weekday() for d in dues] == [0, 0, 0, 0]
    # Cycle ends 16, 31 July, 15, 30 August, each moved to the Monday on or after it.
    assert dues == [dt.date(2026, 7, 20), dt.date(2026, 8, 3), dt.date(2026, 8, 17), dt.date(2026, 8, 31)]
    assert rules.due_dates(START, 60, 15) == [START + dt.timedelta(days=d) for d in (15, 30, 45, 60)]
    # A short last cycle joins the one before it; no settlement lag means one bullet repayment.
    assert rules.due_dates(START, 50, 15)[-1] == START + dt.timedelta(days=50)
    assert len(rules.due_dates(START, 50, 15)) == 3
    assert rules.due_dates(START, 30, 0) == [START + dt.timedelta(days=30)]


def test_schedule_repays_the_principal_with_interest_on_the_balance():
    dues = rules.due_dates(START, 60, 15)
    plan = rules.schedule(D("30000.00"), D("0.0961"), START, dues)
    assert sum(i.principal for i in plan) == D("30000.00")
    # First period: 15 days on the whole principal at 9.61% a year.
    assert plan[0].interest == (D("30000") * D("0.0961") * 15 / 365).quantize(D("0.01"))
    assert plan[0].interest > plan[-1].interest
    amounts = [i.amount for i in plan]
    assert max(amounts) - min(amounts) < D("1.00"), "equal instalments, up to rounding"
    free = rules.schedule(D("1000.00"), D("0"), START, dues)
    assert [i.principal for i in free] == [D("250.00")] * 4 and all(i.interest == 0 for i in free)


def _plan():
    return [rules.Instalment(1, dt.date(2026, 7, 16), D("100.00"), D("10.00")),
            rules.Instalment(2, dt.date(2026, 7, 31), D("100.00"), D("5.00"))]


def test_allocation_pays_interest_then_principal_oldest_instalment_first():
    plan = _plan()
    a = rules.allocate(plan, D("50.00"), dt.date(2026, 7, 20))
    assert (a.interest, a.principal, a.unallocated) == (D("10.00"), D("40.00"), D("0.00"))
    assert a.parts == [(1, D("10.00"), D("40.00"))]
    b = rules.allocate(plan, D("70.00"), dt.date(2026, 7, 21))
    assert b.parts == [(1, D("0.00"), D("60.00")), (2, D("5.00"), D("5.00"))]
    assert plan[0].owed == 0 and plan[0].paid_on == dt.date(2026, 7, 21) and plan[1].paid_on is None
    c = rules.allocate(plan, D("200.00"), dt.date(2026, 7, 30))
    assert (c.principal, c.unallocated) == (D("95.00"), D("105.00")), "an overpayment stays unallocated"
    assert rules.outstanding_principal(plan) == 0


@pytest.mark.parametrize(("as_of", "dpd"), [
    (dt.date(2026, 7, 16), 0),   # due today is not late yet
    (dt.date(2026, 7, 17), 1),
    (dt.date(2026, 8, 15), 30),  # counted from the oldest instalment owed
])
def test_days_past_due_count_from_the_oldest_instalment_owed(as_of, dpd):
    assert rules.days_past_due(_plan(), as_of) == dpd


def test_buckets():
    assert [rules.bucket(d) for d in (0, 1, 29, 30, 59, 60, 89, 90, 400)] == [
        "current", "1-29", "1-29", "30-59", "30-59", "60-89", "60-89", "90+", "90+"]


def test_status_follows_the_facts_and_default_is_for_good():
    plan = _plan()
    status = lambda s, day, paid=False, after=90: rules.status_for(s, plan, day, default_after_days=after, repaid_any=paid)  # noqa: E731
    assert status(rules.DISBURSED, dt.date(2026, 7, 10)) == rules.DISBURSED
    assert status(rules.DISBURSED, dt.date(2026, 7, 10), paid=True) == rules.CURRENT
    assert status(rules.DISBURSED, dt.date(2026, 7, 20)) == rules.IN_ARREARS
    assert status(rules.IN_ARREARS, dt.date(2026, 10, 14)) == rules.DEFAULTED, "90 days after 16 July"
    assert status(rules.IN_ARREARS, dt.date(2026, 8, 15), after=30) == rules.DEFAULTED, "the definition is configurable"
    rules.allocate(plan, D("110.00"), dt.date(2026, 7, 20))
    assert status(rules.IN_ARREARS, dt.date(2026, 7, 20)) == rules.CURRENT
    assert status(rules.DEFAULTED, dt.date(2026, 7, 20)) == rules.DEFAULTED
    rules.allocate(plan, D("105.00"), dt.date(2026, 7, 21))
    assert status(rules.CURRENT, dt.date(2026, 7, 21)) == rules.REPAID
    with pytest.raises(rules.LoanRuleError):
        rules.check(rules.DEFAULTED, rules.CURRENT)
    with pytest.raises(rules.LoanRuleError):
        rules.check(rules.REPAID, rules.WRITTEN_OFF)
    rules.check(rules.DEFAULTED, rules.WRITTEN_OFF)
