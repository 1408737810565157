"""loans.v1 events and decision records written straight to a scoring database, for the outcome tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ruralcredit_common.contracts import loans
from ruralcredit_common.contracts.envelope import decode, encode
from ruralcredit_scoring import outcomes
from ruralcredit_scoring.orm import DecisionRecord


def feed(factory, *payloads) -> None:
    with factory() as session, session.begin():
        outcomes.apply(session, [decode(encode(loans.event(p))) for p in payloads])


def ids(n: int) -> dict[str, str]:
    return {"loan_id": f"loan_{n}", "application_id": f"app_{n}", "merchant_id": f"mer_{n}"}


def disbursed(n: int, on: dt.date, *, grade: str = "B", pd: float = 0.05, overridden: bool = False) -> loans.LoanDisbursed:
    due = on + dt.timedelta(days=60)
    return loans.LoanDisbursed(
        **ids(n), institution_id="inst_1", platform_id="plt_1", amount=Decimal("10000.00"), annual_rate=Decimal("0.08"),
        term_days=60, disbursed_on=on, schedule=[loans.ScheduledInstalment(due=due, principal=Decimal("10000.00"), interest=Decimal("131.51"))],
        default_after_days=90, overridden=overridden, model_outcome="refer" if overridden else "approve", grade=grade, pd=pd,
        model_version="v0001",
    )


def decided(factory, n: int, features: dict[str, float], *, pd: float, grade: str, outcome: str = "approve") -> None:
    with factory() as session, session.begin():
        session.add(DecisionRecord(application_id=f"app_{n}", merchant_id=f"mer_{n}", outcome=outcome, pd=pd, grade=grade,
                                   model_version="v0007", payload={"features": features}, decided_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
