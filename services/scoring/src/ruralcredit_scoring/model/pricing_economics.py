"""The arithmetic of the pricing report: who pays less than the blanket rate, what good sellers overpay,
the lender's expected return under each scheme, and the book each keeps once overcharged sellers leave.

Plain arithmetic over a scored book (one row per applicant: PD by the model, true PD, amount,
term), so that it is tested on books whose answer is known.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from ruralcredit_scoring.domain import PolicyConfig, PricingConfig, policy
from ruralcredit_scoring.domain.config import DEFAULT_POLICY, DEFAULT_PRICING
from ruralcredit_scoring.domain.pricing import costed_blanket_rate, expected_return, price, stays

SWITCH_MARGIN = 0.005  # a seller offered a rate half a point a year above its fair price borrows elsewhere


def priced_book(frame: pd.DataFrame, cfg: PricingConfig = DEFAULT_PRICING, pcfg: PolicyConfig = DEFAULT_POLICY) -> pd.DataFrame:
    """The applicants the policy would offer a price (approved or referred with terms, the rate under
    the ceiling), with the risk-based rate by the model's PD and the fair rate by the true PD.

    `frame` has columns pd (the model's), true_pd, amount and term_days, with history_days and
    coverage_p10 for the policy where known.
    """
    n = len(frame)
    history = frame["history_days"].to_numpy(float) if "history_days" in frame else np.full(n, 365.0)
    coverage = frame["coverage_p10"].to_numpy(float) if "coverage_p10" in frame else np.full(n, 2.0)
    model_pd, true_pd = frame["pd"].to_numpy(float), frame["true_pd"].to_numpy(float)
    amounts, terms = frame["amount"].to_numpy(float), frame["term_days"].to_numpy(int)
    offered, risk, fair = np.zeros(n, bool), np.zeros(n), np.zeros(n)
    for i in range(n):
        verdict = policy.evaluate(policy.PolicyInput(
            pd=float(model_pd[i]), history_days=float(history[i]), coverage_p10=float(coverage[i]),
            limit=min(Decimal(str(amounts[i])), pcfg.product_max),
        ), pcfg)
        quote = price(float(model_pd[i]), int(terms[i]), cfg)
        offered[i] = verdict.outcome != policy.DECLINE and not quote.capped
        risk[i] = float(quote.annual_rate)
        # What the seller's real risk costs, uncapped: a risk above the ceiling is worth far more than any offer.
        fair[i] = float(price(min(float(true_pd[i]), 1.0), int(terms[i]), cfg).uncapped)
    book = frame.assign(risk_rate=risk, fair_rate=fair)[offered].reset_index(drop=True)
    return book.assign(blanket_rate=float(costed_blanket_rate(cfg)))


@dataclass(frozen=True)
class BookFigures:
    """One scheme's book: loans, money lent, default rates and the lender's expected return."""

    loans: int
    lent_yuan: float
    mean_rate: float
    default_rate: float  # mean true PD over the term
    default_rate_year: float  # expected defaults per loan-year
    expected_return: float  # a year, per yuan lent
    expected_profit_yuan: float  # over the loans' terms, the whole book


def book_figures(book: pd.DataFrame, rate: np.ndarray, cfg: PricingConfig = DEFAULT_PRICING) -> BookFigures:
    """A book's figures at the given rates, its losses judged by the true PD."""
    years = book["term_days"].to_numpy(float) / cfg.days_in_year
    amount, pd_ = book["amount"].to_numpy(float), book["true_pd"].to_numpy(float)
    exposure = amount * years  # yuan-years: what a yearly rate is earned on
    earned = expected_return(rate, pd_, book["term_days"].to_numpy(float), cfg) * exposure
    n = len(book)
    return BookFigures(
        loans=n,
        lent_yuan=float(amount.sum()),
        mean_rate=float(rate.mean()) if n else float("nan"),
        default_rate=float(pd_.mean()) if n else float("nan"),
        default_rate_year=float(pd_.sum() / years.sum()) if n else float("nan"),
        expected_return=float(earned.sum() / exposure.sum()) if n else float("nan"),
        expected_profit_yuan=float(earned.sum()),
    )


@dataclass(frozen=True)
class PricingFigures:
    """What the report says, over the applicants offered a price."""

    applicants: int
    blanket_rate: float
    paying_less: float  # share whose risk-based rate is below the blanket rate
    good_sellers: int  # true PD below the median
    good_overpaying: float  # share of the good sellers whose fair rate is below the blanket rate
    good_overpay_yuan_mean: float  # a year, per good seller who overpays, on the loan's amount
    good_overpay_yuan_median: float
    good_overpay_yuan_total: float
    switch_margin: float
    blanket: BookFigures
    risk_based: BookFigures
    blanket_kept: BookFigures  # once the sellers it overcharges by more than the margin have left
    risk_based_kept: BookFigures

    def as_dict(self) -> dict:
        """Plain figures, for JSON."""
        return asdict(self)


def figures(book: pd.DataFrame, cfg: PricingConfig = DEFAULT_PRICING, switch_margin: float = SWITCH_MARGIN) -> PricingFigures:
    """Every figure of the report from a priced book (see `priced_book`)."""
    blanket = np.full(len(book), float(costed_blanket_rate(cfg)))
    risk, fair = book["risk_rate"].to_numpy(float), book["fair_rate"].to_numpy(float)
    amount, true_pd = book["amount"].to_numpy(float), book["true_pd"].to_numpy(float)
    good = true_pd < np.median(true_pd) if len(book) else np.zeros(0, bool)
    over = good & (blanket > fair)
    overpay = (blanket - fair)[over] * amount[over]
    stay_blanket, stay_risk = stays(blanket, fair, switch_margin), stays(risk, fair, switch_margin)
    return PricingFigures(
        applicants=len(book),
        blanket_rate=float(costed_blanket_rate(cfg)),
        paying_less=float((risk < blanket).mean()) if len(book) else float("nan"),
        good_sellers=int(good.sum()),
        good_overpaying=float(over.sum() / good.sum()) if good.any() else float("nan"),
        good_overpay_yuan_mean=float(overpay.mean()) if over.any() else 0.0,
        good_overpay_yuan_median=float(np.median(overpay)) if over.any() else 0.0,
        good_overpay_yuan_total=float(overpay.sum()),
        switch_margin=switch_margin,
        blanket=book_figures(book, blanket, cfg),
        risk_based=book_figures(book, risk, cfg),
        blanket_kept=book_figures(book[stay_blanket], blanket[stay_blanket], cfg),
        risk_based_kept=book_figures(book[stay_risk], risk[stay_risk], cfg),
    )


def adverse_selection(book: pd.DataFrame, margins: np.ndarray, cfg: PricingConfig = DEFAULT_PRICING) -> pd.DataFrame:
    """Each scheme's kept book at each switch margin: loans kept, default rate a year and expected return."""
    rows = []
    blanket = np.full(len(book), float(costed_blanket_rate(cfg)))
    risk, fair = book["risk_rate"].to_numpy(float), book["fair_rate"].to_numpy(float)
    for m in margins:
        for scheme, rate in (("blanket", blanket), ("risk-based", risk)):
            kept = stays(rate, fair, float(m))
            f = book_figures(book[kept], rate[kept], cfg)
            rows.append({"switch_margin": float(m), "scheme": scheme, "kept": kept.mean() if len(book) else float("nan"),
                         "default_rate_year": f.default_rate_year, "expected_return": f.expected_return})
    return pd.DataFrame(rows)
