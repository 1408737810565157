"""The portfolio monitoring report and gauges from a real scoring database: the report renders with
its plots, and its figures are the hand-computed ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from prometheus_client import REGISTRY

from ruralcredit_common.contracts import loans
from ruralcredit_scoring import portfolio_monitor
from ruralcredit_scoring.model import monitor_report
from tests.scoring.integration.loan_events import decided, disbursed, feed, ids

AS_OF = dt.date(2026, 12, 1)
PNG = b"\x89PNG\r\n\x1a\n"


def _book(factory) -> None:
    """Grade A: 40 loans at PD 5%, 2 defaulted. Grade C: 30 at 10%, 10 defaulted. Two loans still open, one 45 days late."""
    events = []
    for n in range(70):
        grade, pd = ("A", 0.05) if n < 40 else ("C", 0.10)
        decided(factory, n, {"coverage_p10": 1.0}, pd=pd, grade=grade)
        on = dt.date(2026, 1, 5) if n % 2 else dt.date(2026, 2, 5)
        events.append(disbursed(n, on))
        if n in (0, 1) or 40 <= n < 50:
            events.append(loans.LoanDefaulted(**ids(n), defaulted_on=on + dt.timedelta(days=150), days_past_due=90,
                                              default_after_days=90, outstanding_principal=Decimal("10000.00")))
        else:
            events.append(loans.LoanRepaid(**ids(n), repaid_on=on + dt.timedelta(days=60), total_paid=Decimal("10131.51"), max_days_past_due=0))
    for n in (70, 71):
        decided(factory, n, {"coverage_p10": 1.0}, pd=0.05, grade="A")
        events.append(disbursed(n, AS_OF - dt.timedelta(days=60)))
    events.append(loans.ArrearsChanged(**ids(71), as_of=AS_OF - dt.timedelta(days=15), days_past_due=15, bucket="1-29",
                                       previous_bucket="current", status="in_arrears"))
    feed(factory, *events)


def test_the_report_renders_with_its_plots_and_the_hand_computed_figures(factory, tmp_path):
    _book(factory)
    with factory() as session:
        figures = portfolio_monitor.compute(session, AS_OF)
    lines = monitor_report.write(figures, tmp_path)
    assert lines[1] == "grades outside their interval: C"
    for name in ("grades.png", "vintages.png", "arrears.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG) and (tmp_path / name).stat().st_size > 2000
    text = (tmp_path / "portfolio.md").read_text()
    assert "72 loans disbursed, 70 with a known outcome" in text
    # Binomial(40, 5%): 0 to 5 defaults; Binomial(30, 10%): 0 to 7 defaults (tests/scoring/unit/test_portfolio.py).
    assert "| A | 40 | 2 | 5.0% | 5.0% | 0.0% – 12.5% | within |" in text
    assert "| C | 30 | 10 | 33.3% | 10.0% | 0.0% – 23.3% | **outside** |" in text
    # January's 35 loans: 6 defaulted in June (month on book 5); February's 35: 6 in July (month on book 5).
    assert "| 2026-01 | " + " · ".join(["0.0%"] * 5 + ["17.1%"] * 7) + " |" in text
    assert "| 1-29 | 1 | 10,000.00 |" in text and "| current | 1 | 10,000.00 |" in text
    assert "| the model | 70 | 12 | 17.1% |" in text

    portfolio_monitor.export(figures)
    sample = REGISTRY.get_sample_value
    assert sample("ruralcredit_portfolio_default_rate", {"grade": "C"}) == 10 / 30
    assert sample("ruralcredit_portfolio_default_rate_high", {"grade": "C"}) == 7 / 30
    assert sample("ruralcredit_portfolio_matured_loans", {"grade": "A"}) == 40
    assert sample("ruralcredit_portfolio_arrears_loans", {"bucket": "1-29"}) == 1
    assert sample("ruralcredit_portfolio_vintage_default_rate", {"cohort": "2026-01", "months_on_book": "6"}) == 6 / 35
