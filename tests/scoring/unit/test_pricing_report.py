"""The pricing report's arithmetic on books whose answer is worked out by hand, and the report it writes."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from ruralcredit_scoring.domain import PricingConfig
from ruralcredit_scoring.domain.pricing import costed_blanket_rate, expected_return, stays
from ruralcredit_scoring.model.pricing_economics import adverse_selection, figures, priced_book
from ruralcredit_scoring.model.pricing_report import headline

# A year's loans of 100,000 yuan: the fair rate is 4.5% + PD × 0.6.
BOOK = pd.DataFrame({
    "pd": [0.005, 0.01, 0.03, 0.10],
    "true_pd": [0.005, 0.01, 0.03, 0.10],
    "amount": [100000.0] * 4,
    "term_days": [365] * 4,
    "history_days": [400.0] * 4,
    "coverage_p10": [2.0] * 4,
})


def test_blanket_on_the_same_cost_base_and_expected_return():
    assert costed_blanket_rate() == Decimal("0.0585")  # 3% + 0.5% + 0.5% + 0.5% + 45% of 3%
    assert costed_blanket_rate(PricingConfig(blanket_premium=Decimal("0.40"))) == Decimal("0.0570")
    assert expected_return(0.0585, 0.0, 365) == pytest.approx(0.0185)
    assert expected_return(0.0585, 0.01, 365) == pytest.approx(0.0125)
    assert expected_return(0.0585, 0.01, 73) == pytest.approx(0.0185 - 0.03), "a loss over 73 days is earned back within them"
    assert stays(0.07, 0.05, 0.01) is False and stays(0.07, 0.05, 0.03) is True


def test_priced_book_keeps_only_applicants_offered_a_price():
    frame = pd.concat([BOOK, pd.DataFrame({
        "pd": [0.2, 0.09, 0.005], "true_pd": [0.2, 0.09, 0.005], "amount": [1e5] * 3, "term_days": [365, 30, 365],
        "history_days": [400.0, 400.0, 20.0], "coverage_p10": [2.0] * 3,
    })], ignore_index=True)
    book = priced_book(frame)
    # Out: PD above the 15% ceiling; 9% over 30 days (a rate far above the 24% ceiling); 20 days of history.
    assert book["pd"].tolist() == BOOK["pd"].tolist()
    assert book["risk_rate"].tolist() == pytest.approx([0.048, 0.051, 0.063, 0.105])
    assert book["fair_rate"].tolist() == pytest.approx([0.048, 0.051, 0.063, 0.105])
    assert (book["blanket_rate"] == 0.0585).all()


def test_figures_worked_by_hand():
    f = figures(priced_book(BOOK), switch_margin=0.005)
    assert f.applicants == 4 and f.paying_less == 0.5
    assert headline(f) == "merchants paying less than the blanket rate: 50.0%"
    # The two sellers below the median true PD overpay 1.05 and 0.75 points on 100,000 yuan.
    assert (f.good_sellers, f.good_overpaying) == (2, 1.0)
    assert (f.good_overpay_yuan_mean, f.good_overpay_yuan_median, f.good_overpay_yuan_total) == pytest.approx((900, 900, 1800))
    # Blanket: 1.85 points above cost less each loss (0.3, 0.6, 1.8, 6 points); risk-based earns its margin.
    assert f.blanket.expected_return == pytest.approx((0.0155 + 0.0125 + 0.0005 - 0.0415) / 4)
    assert f.risk_based.expected_return == pytest.approx(0.005)
    assert f.blanket.default_rate_year == pytest.approx(0.03625)
    # The two good sellers leave the blanket book; the risk-based book loses no one.
    assert f.blanket_kept.loans == 2 and f.blanket_kept.default_rate_year == pytest.approx(0.065)
    assert f.blanket_kept.expected_return == pytest.approx(-0.0205)
    assert f.risk_based_kept.loans == 4 and f.risk_based_kept.expected_return == pytest.approx(0.005)
    assert f.blanket_kept.expected_profit_yuan == pytest.approx(-4100)


def test_a_model_that_overstates_risk_loses_sellers_too():
    book = priced_book(BOOK.assign(pd=[0.03, 0.01, 0.03, 0.10]))  # the safest seller is scored as a riskier one
    f = figures(book, switch_margin=0.005)
    assert f.risk_based_kept.loans == 3, "offered 6.3% against a fair 4.8%, it borrows elsewhere"
    sweep = adverse_selection(book, [0.0, 0.02])
    kept = sweep.set_index(["switch_margin", "scheme"])["kept"]
    assert kept[(0.0, "blanket")] == 0.5 and kept[(0.02, "blanket")] == 1.0 and kept[(0.0, "risk-based")] == 0.75


@pytest.mark.slow  # scores with the model trained on 12,000 simulated loans
def test_report_writes_its_summary_and_plots(simulated, tmp_path):
    from ruralcredit_scoring.model.pricing_report import report
    from tests.support.books import write_simulated_book

    reg = simulated[3]
    book, _ = write_simulated_book(tmp_path, 400, 4)
    progress: list[str] = []
    out = report(reg, book, out=tmp_path / "report", log=progress.append)
    assert sum(line.startswith("merchants paying less than the blanket rate: ") for line in out) == 1
    assert any("writing plots" in p for p in progress)
    for name in ("summary.md", "rates.png", "adverse_selection.png", "figures.json"):
        assert (tmp_path / "report" / name).stat().st_size > 0, name
    assert "merchants paying less than the blanket rate" in (tmp_path / "report" / "summary.md").read_text()


@pytest.mark.slow
def test_a_book_without_true_pds_is_refused_with_what_it_lacks(simulated, tmp_path):
    from ruralcredit_scoring.model.loanbook import LoanBookError
    from ruralcredit_scoring.model.pricing_report import report

    book = tmp_path / "bank.csv"
    pd.DataFrame({"loan_amount": [1000.0], "term_days": [30]}).to_csv(book, index=False)
    with pytest.raises(LoanBookError, match=r"true_pd.*loan-book"):
        report(simulated[3], book, out=tmp_path / "report")
