"""Every decision the scorer can make is a valid decisions.v1 event: any PD, any term, any amount."""

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralcredit_common.contracts import decisions as decisions_v1
from ruralcredit_scoring.domain import Application, ModelOutput, PolicyConfig, PricingConfig, decide
from ruralcredit_scoring.to_events import to_contract

POLICY = PolicyConfig()
DECIDED_AT = dt.datetime(2026, 6, 2, 1, 0, tzinfo=dt.UTC)

terms = st.integers(POLICY.min_term_days, POLICY.max_term_days)
amounts = st.decimals(Decimal("1.00"), POLICY.product_max * 2, places=2)
daily = st.floats(0, 50_000, allow_nan=False)


def application(amount: Decimal, term: int, p10: float, history: float, coverage: float) -> Application:
    return Application(
        application_id="app-prop", merchant_id="m-prop", amount=amount, term_days=term, as_of=dt.date(2026, 6, 1),
        features={"history_days": history, "coverage_p10": coverage, "volatility": 0.4},
        daily_p10=[p10] * 400, daily_p50=[p10 * 1.5] * 400,
    )


def assert_valid(made: decisions_v1.DecisionMade, ceiling: Decimal) -> None:
    assert decisions_v1.DecisionMade.model_validate(made.model_dump(mode="json")) == made
    if made.outcome == "decline" or made.policy_rule == "missing_evidence":
        assert made.rate is None and made.limit == 0 and not made.schedule
    else:
        # Never lent at a capped rate: the price covers the expected loss or the loan is declined.
        assert made.rate is not None and not made.rate.capped
        assert made.rate.annual_rate == made.rate.uncapped <= ceiling
        assert sum(i.principal for i in made.schedule) == made.limit > 0


@given(
    pd=st.floats(0, 1), term=terms, amount=amounts, p10=daily,
    history=st.floats(0, 2000) | st.just(float("nan")), coverage=st.floats(0, 10) | st.just(float("nan")),
    mode=st.sampled_from(["fixed", "share"]),
)
@settings(max_examples=400, deadline=None)
def test_any_pd_term_and_amount_gives_a_valid_decision_event(pd, term, amount, p10, history, coverage, mode):
    rcfg = PricingConfig(schedule_mode=mode)
    out = ModelOutput(pd=pd, deltas={"volatility": 0.2}, used_features=["volatility"], model_version="v-prop")
    d = decide(application(amount, term, p10, history, coverage), out, rcfg=rcfg)
    assert_valid(to_contract(d, DECIDED_AT), rcfg.ceiling)


@given(
    term=terms, amount=amounts, p10=daily,
    history=st.floats(0, 2000), coverage=st.floats(0, 10), volatility=st.floats(0, 5), refund=st.floats(0, 1),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_trained_scorer_gives_a_valid_decision_event(trained_scorer, term, amount, p10, history, coverage, volatility, refund):
    app = application(amount, term, p10, history, coverage)
    app = dataclasses.replace(app, features={**app.features, "coverage_p50": coverage * 1.3, "volatility": volatility, "refund_rate": refund})
    d = trained_scorer.decide(app)
    assert 0 <= d.pd <= 1
    assert_valid(to_contract(d, DECIDED_AT), trained_scorer.rcfg.ceiling)
