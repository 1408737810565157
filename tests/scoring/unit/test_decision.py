"""Decision composition: outcome, limit, price, schedule and reasons fit together."""

import dataclasses
import datetime as dt
from decimal import Decimal

from ruralcredit_scoring.domain import Application, ModelOutput, PolicyConfig, PricingConfig, decide

APP = Application(
    application_id="app-1",
    merchant_id="m-1",
    amount=Decimal("50000.00"),
    term_days=40,
    as_of=dt.date(2026, 6, 1),
    features={"history_days": 400.0, "coverage_p10": 1.6, "refund_rate": 0.03, "volatility": 0.4},
    daily_p10=[2000.0] * 120,
    daily_p50=[3000.0] * 120,
)

LONG_APP = dataclasses.replace(APP, term_days=180, daily_p10=[2000.0] * 240, daily_p50=[3000.0] * 240)


def model(pd, **deltas):
    return ModelOutput(
        pd=pd,
        deltas=deltas or {"volatility": 0.3, "refund_rate": -0.2},
        used_features=["volatility", "refund_rate", "coverage_p10"],
        model_version="v0007",
    )


def test_approval_has_limit_term_price_and_schedule():
    d = decide(APP, model(0.02))
    assert (d.outcome, d.grade, d.term_days, d.limit) == ("approve", "B", 45, Decimal("45000.00"))
    assert d.limit_binding == "p10_collections"
    assert sum(i.principal for i in d.schedule) == d.limit and len(d.schedule) == 3
    assert d.rate.annual_rate == d.rate.uncapped
    assert (d.model_version, d.policy_version, d.policy_rule) == ("v0007", PolicyConfig().version, None)
    # An approval is explained by what spoke for the merchant, not against.
    assert [r.feature for r in d.reasons] == ["refund_rate"] and d.reasons[0].contribution == -0.2
    assert d.reasons[0].text_en == "Few sales refunded"


def test_decline_has_no_limit_but_reasons_and_remedy():
    asked = []

    def remedy(feature, target, worsen):
        asked.append((feature, target, worsen))
        return 2.5 if feature == "coverage_p10" else None

    d = decide(APP, model(0.3, coverage_p10=0.9, volatility=0.2), remedy=remedy)
    assert (d.outcome, d.policy_rule, d.limit, d.rate, d.schedule) == ("decline", "pd_ceiling", 0, None, ())
    assert d.reasons[0].code == "P_pd_ceiling"
    assert d.reasons[1].feature == "coverage_p10" and "grade D" in d.reasons[1].to_improve
    assert asked[0] == ("coverage_p10", 0.10, False)


def test_refer_keeps_proposed_terms_for_the_officer():
    d = decide(LONG_APP, model(0.08))
    assert d.outcome == "refer" and d.limit > 0 and d.rate is not None and d.schedule
    assert d.rate.annual_rate == d.rate.uncapped <= PricingConfig().ceiling


def test_risk_priced_above_the_ceiling_is_declined_with_that_reason():
    # PD 8% over 45 days costs 39% a year in expected loss alone: no rate under the 24% ceiling pays for it.
    d = decide(APP, model(0.08))
    assert (d.outcome, d.policy_rule, d.limit, d.rate, d.schedule) == ("decline", "rate_ceiling", 0, None, ())
    assert d.reasons[0].code == "P_rate_ceiling" and "24%" in d.reasons[0].text_en


def test_share_of_payout_schedule():
    d = decide(APP, model(0.02), rcfg=PricingConfig(schedule_mode="share"))
    assert d.repayment_share is not None and sum(i.principal for i in d.schedule) == d.limit


def test_application_from_cashflow_event_payload(trained_scorer):
    import datetime as dt

    from ruralcredit_common.contracts.cashflow import CashflowAssessed, CollectionsForecast
    from ruralcredit_scoring.from_events import application_from_cashflow

    payload = CashflowAssessed(
        application_id="app-9",
        merchant_id="m-9",
        amount="30000.00",
        term_days=50,
        as_of=dt.date(2026, 6, 1),
        settlement_lag_days=10,
        method="profile",
        features={"history_days": 500.0, "coverage_p10": 1.8, "coverage_p50": 2.5, "refund_rate": 0.03},
        collections=CollectionsForecast(
            start=dt.date(2026, 6, 2), p10=[900.0] * 70, p50=[1200.0] * 70, p90=[1500.0] * 70
        ),
    ).model_dump(mode="json")
    app = application_from_cashflow(payload)
    assert app.amount == Decimal("30000.00") and app.settlement_lag_days == 10
    d = trained_scorer.decide(app)
    assert d.term_days == 50 and d.model_version == trained_scorer.version
    if d.outcome != "decline":
        assert sum(i.principal for i in d.schedule) == d.limit


def test_missing_evidence_goes_to_an_officer_without_proposed_terms_whatever_the_pd():
    app = dataclasses.replace(APP, features={"history_days": float("nan"), "coverage_p10": 1.6})
    for pd in (0.02, 0.12):
        d = decide(app, model(pd))
        assert (d.outcome, d.policy_rule, d.limit, d.rate, d.schedule) == ("refer", "missing_evidence", 0, None, ())
        assert d.reasons[0].code == "P_missing_evidence"
