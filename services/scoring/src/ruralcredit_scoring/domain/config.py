"""Policy and pricing settings for the scorer, with defaults a rural bank could start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Upper PD bound (over the loan's term) for each grade; anything above the last bound is "E".
DEFAULT_GRADE_BANDS: tuple[tuple[str, float], ...] = (
    ("A", 0.01),
    ("B", 0.025),
    ("C", 0.05),
    ("D", 0.10),
)


@dataclass(frozen=True)
class PolicyConfig:
    """Rules that turn a PD and a merchant's evidence into approve / refer / decline."""

    version: str = "policy-2026.12-1"
    grade_bands: tuple[tuple[str, float], ...] = DEFAULT_GRADE_BANDS
    min_history_days: int = 90
    # Between the refer and the minimum history a loan officer can still look at the case.
    refer_history_days: int = 60
    coverage_floor: float = 1.0  # P10 collections over the term / repayment due
    refer_coverage_floor: float = 0.8
    pd_ceiling: float = 0.15  # above: decline
    refer_pd: float = 0.06  # above: a loan officer decides
    max_merchant_exposure: Decimal = Decimal("300000.00")
    # Exposure above this share of the cap is referred rather than approved automatically.
    refer_exposure_share: float = 0.8
    product_max: Decimal = Decimal("200000.00")
    min_limit: Decimal = Decimal("1000.00")
    collection_share: Decimal = Decimal("0.50")  # of P10 collections over the term
    settlement_lag_days: int = 15
    min_term_days: int = 15
    max_term_days: int = 360

    def __post_init__(self) -> None:
        bounds = [b for _, b in self.grade_bands]
        if bounds != sorted(bounds) or not all(0 < b < 1 for b in bounds):
            raise ValueError("grade_bands must be increasing PD bounds in (0, 1)")
        if not self.refer_pd <= self.pd_ceiling:
            raise ValueError("refer_pd must not exceed pd_ceiling")
        if not 0 < self.collection_share <= 1:
            raise ValueError("collection_share must be in (0, 1]")


@dataclass(frozen=True)
class PricingConfig:
    """Components of the annual rate, as fractions (0.03 = 3%)."""

    benchmark: Decimal = Decimal("0.0300")  # one-year LPR
    funding_cost: Decimal = Decimal("0.0050")
    operating_cost: Decimal = Decimal("0.0050")
    margin: Decimal = Decimal("0.0050")
    lgd: Decimal = Decimal("0.60")
    ceiling: Decimal = Decimal("0.2400")  # legal / board ceiling on the annual rate
    blanket_premium: Decimal = Decimal("0.45")  # what lenders add to the benchmark today
    days_in_year: int = 365
    schedule_mode: str = field(default="fixed")  # "fixed" instalments or "share" of payouts

    def __post_init__(self) -> None:
        if not Decimal("0.45") <= self.lgd <= Decimal("0.75"):
            raise ValueError("lgd must be within the policy range 0.45-0.75")
        if self.ceiling <= self.benchmark:
            raise ValueError("ceiling must exceed the benchmark rate")
        if self.schedule_mode not in ("fixed", "share"):
            raise ValueError("schedule_mode must be 'fixed' or 'share'")


DEFAULT_POLICY = PolicyConfig()
DEFAULT_PRICING = PricingConfig()
