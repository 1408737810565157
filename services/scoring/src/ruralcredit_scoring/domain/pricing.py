"""Risk-based annual rate from its components, and the blanket premium it replaces."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ruralcredit_scoring.domain.config import DEFAULT_PRICING, PricingConfig

BP = Decimal("0.0001")


def _rate(x: Decimal) -> Decimal:
    return x.quantize(BP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RateQuote:
    """The annual rate (fractions, 0.031 = 3.1%) and every component it is built from."""

    benchmark: Decimal
    funding_and_operating: Decimal
    expected_loss: Decimal
    margin: Decimal
    uncapped: Decimal
    annual_rate: Decimal
    capped: bool


def expected_loss_charge(pd: float, term_days: int, cfg: PricingConfig = DEFAULT_PRICING) -> Decimal:
    """PD x LGD over the term, spread over the term as an annual rate."""
    if term_days <= 0:
        raise ValueError("term_days must be positive")
    # PD is over the loan's term, so the loss has to be earned back within the term.
    return Decimal(str(pd)) * cfg.lgd * Decimal(cfg.days_in_year) / Decimal(term_days)


def price(pd: float, term_days: int, cfg: PricingConfig = DEFAULT_PRICING) -> RateQuote:
    """Annual rate = benchmark + funding and operating cost + expected-loss charge + margin, capped."""
    if not 0.0 <= pd <= 1.0:
        raise ValueError(f"PD must be within [0, 1], got {pd}")
    cost = cfg.funding_cost + cfg.operating_cost
    el = expected_loss_charge(pd, term_days, cfg)
    uncapped = cfg.benchmark + cost + el + cfg.margin
    capped = uncapped > cfg.ceiling
    return RateQuote(
        benchmark=_rate(cfg.benchmark),
        funding_and_operating=_rate(cost),
        expected_loss=_rate(el),
        margin=_rate(cfg.margin),
        uncapped=_rate(uncapped),
        annual_rate=_rate(min(uncapped, cfg.ceiling)),
        capped=capped,
    )


def blanket_rate(cfg: PricingConfig = DEFAULT_PRICING) -> Decimal:
    """What lenders charge the whole segment today: benchmark x (1 + blanket premium)."""
    return _rate(cfg.benchmark * (1 + cfg.blanket_premium))


def costed_blanket_rate(cfg: PricingConfig = DEFAULT_PRICING) -> Decimal:
    """The blanket premium on the cost base a risk-based price has: benchmark + funding and operating
    cost + margin, plus the premium on the benchmark (4.5% + 1.35% = 5.85% by default) in place of
    an expected-loss charge, so the two schemes differ only in how they charge for risk."""
    return _rate(cfg.benchmark + cfg.funding_cost + cfg.operating_cost + cfg.margin + cfg.benchmark * cfg.blanket_premium)


def expected_return(rate: Any, pd: Any, term_days: Any, cfg: PricingConfig = DEFAULT_PRICING) -> Any:
    """Expected return a year on a loan's principal at `rate` (fractions): what the rate earns above the
    cost of money and of running the loan, less the expected loss (PD over the term × LGD) spread
    over the term. Works on numbers or on arrays of them alike."""
    cost = float(cfg.benchmark + cfg.funding_cost + cfg.operating_cost)
    return rate - cost - pd * float(cfg.lgd) * cfg.days_in_year / term_days


def stays(offered: Any, fair: Any, switch_margin: float) -> Any:
    """Whether a seller takes the loan offered: not when it costs more than its fair price by more than
    `switch_margin` a year, as a lender pricing its real risk would then win it. Numbers or arrays."""
    return offered - fair <= switch_margin


def interest(principal: Decimal, annual_rate: Decimal, term_days: int, cfg: PricingConfig = DEFAULT_PRICING) -> Decimal:
    """Simple interest on the full principal over the term, in yuan."""
    return (principal * annual_rate * Decimal(term_days) / Decimal(cfg.days_in_year)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
