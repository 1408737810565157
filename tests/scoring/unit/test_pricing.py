"""Pricing components, the ceiling and the blanket premium."""

from decimal import Decimal

import pytest

from ruralcredit_scoring.domain import PricingConfig
from ruralcredit_scoring.domain.pricing import blanket_rate, expected_loss_charge, interest, price


def test_components_add_up():
    cfg = PricingConfig()
    q = price(0.01, 90, cfg)
    assert q.benchmark == Decimal("0.0300")
    assert q.funding_and_operating == Decimal("0.0100")
    # 1% PD over 90 days at LGD 0.6 is 0.6% of the principal, earned back over a quarter of a year.
    assert q.expected_loss == Decimal("0.0243")
    assert q.margin == Decimal("0.0050")
    assert q.uncapped == q.benchmark + q.funding_and_operating + q.expected_loss + q.margin
    assert q.annual_rate == q.uncapped and not q.capped


def test_ceiling_caps_the_rate_and_says_so():
    q = price(0.2, 30, PricingConfig(ceiling=Decimal("0.24")))
    assert q.capped and q.annual_rate == Decimal("0.2400") and q.uncapped > q.annual_rate


def test_rate_rises_with_pd_and_falls_with_term():
    assert price(0.02, 90).annual_rate > price(0.01, 90).annual_rate
    assert expected_loss_charge(0.02, 180) < expected_loss_charge(0.02, 90)


def test_zero_pd_pays_costs_and_margin_only():
    q = price(0.0, 60)
    assert q.expected_loss == 0 and q.annual_rate == Decimal("0.0450")


def test_blanket_is_benchmark_plus_45_percent():
    assert blanket_rate(PricingConfig(benchmark=Decimal("0.03"))) == Decimal("0.0435")


def test_lgd_outside_policy_range_is_rejected():
    with pytest.raises(ValueError):
        PricingConfig(lgd=Decimal("0.3"))
    with pytest.raises(ValueError):
        price(1.5, 90)


def test_interest_in_yuan():
    assert interest(Decimal(10000), Decimal("0.0365"), 30) == Decimal("30.00")
