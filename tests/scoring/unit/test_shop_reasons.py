"""The demo's village shop sells groceries all year and has no produce: whatever it is told, approved
or refused, is about its own business, never a harvest it does not have."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from ruralcredit_scoring.domain import Application
from ruralcredit_scoring.domain.reasons import HARVEST
from ruralcredit_scoring.model.scorer import Scorer

# The model is trained on 12,000 simulated loans first (a session fixture).
pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def scorer(simulated) -> Scorer:
    return simulated[-1]


def shop_asking(amount: float, term_days: int = 60) -> Application:
    """The demo's shop (two years of sales, seed 21) applying as the cashflow service would assess it."""
    from ruralcredit_cashflow.domain.assess import assess_batch
    from ruralcredit_cashflow.model.training import cut
    from ruralcredit_dev.demo import simulated_merchant

    panel = simulated_merchant("village_shop", 730, 21, AS_OF)
    window = cut(panel, np.array([0]), np.array([panel.n_days - 1]), horizon=0)
    res = assess_batch(window.batch, amount=[amount], term_days=[term_days], annual_rate_guess=[0.08], horizon=term_days)
    features = {k: float(v[0]) for k, v in res.features.items()}
    return Application(
        "app-shop", "mer-shop", Decimal(f"{amount:.2f}"), term_days, AS_OF, features,
        daily_p10=list(res.collections.p10[0]), daily_p50=list(res.collections.p50[0]), term_p10=float(res.term_collections[0, 0]),
    )


def test_the_shop_has_no_harvest():
    shop = shop_asking(20000.0)
    assert all(shop.features[f] == 0.0 for f in HARVEST)


def test_the_approved_shop_is_told_what_spoke_for_it_and_how_far_it_may_slip(scorer):
    d = scorer.decide(shop_asking(20000.0))
    assert d.outcome == "approve" and d.grade in ("A", "B"), (d.outcome, d.grade, d.pd)
    assert d.reasons, "an approval still says why"
    assert all(r.contribution < 0 for r in d.reasons), "only factors in the merchant's favour"
    assert not {r.feature for r in d.reasons} & set(HARVEST)
    assert [r.contribution for r in d.reasons] == sorted(r.contribution for r in d.reasons), "strongest first"
    worse = {"A": "B", "B": "C"}[d.grade]
    assert all(f"lower the grade to {worse}" in r.to_improve for r in d.reasons), [r.to_improve for r in d.reasons]


def test_the_refused_shop_hears_what_spoke_against_it_and_no_harvest(scorer):
    # A million yuan over 60 days: more than its collections can repay.
    d = scorer.decide(shop_asking(1_000_000.0))
    assert d.outcome == "decline", (d.outcome, d.policy_rule, d.pd)
    model_reasons = [r for r in d.reasons if r.feature != "policy"]
    assert model_reasons and all(r.contribution > 0 for r in model_reasons), "only factors against the merchant"
    assert not {r.feature for r in model_reasons} & set(HARVEST)
    said = ("would reach grade", "alone would not reach", "already the best")
    assert all(any(s in r.to_improve for s in said) for r in model_reasons), [r.to_improve for r in model_reasons]
