"""Reason codes point at the factor that was made worse."""

import pytest

from ruralcredit_scoring.domain.reasons import applies, describe, policy_text, remedy_value, top_reasons


def test_top_reasons_rank_only_risk_raising_used_features():
    deltas = {"refund_rate": 0.5, "volatility": 0.2, "coverage_p10": -0.4, "growth": 0.9}
    values = {"refund_rate": 0.2, "volatility": 0.9, "coverage_p10": 3.0, "growth": -0.1}
    r = top_reasons(deltas, values, used=["refund_rate", "volatility", "coverage_p10"], n=2)
    assert [x.feature for x in r] == ["refund_rate", "volatility"]
    assert r[0].code == "R05" and "退款" in r[0].text_zh and r[0].value == 0.2


def test_reasons_in_favour_rank_the_features_that_lowered_risk_most():
    deltas = {"refund_rate": 0.5, "volatility": -0.2, "coverage_p10": -0.4, "growth": -0.9}
    values = {"refund_rate": 0.2, "volatility": 0.1, "coverage_p10": 3.0, "growth": 0.3}
    medians = {"volatility": 0.5, "coverage_p10": 1.5}
    r = top_reasons(deltas, values, used=["refund_rate", "volatility", "coverage_p10"], medians=medians, favour=True)
    assert [x.feature for x in r] == ["coverage_p10", "volatility"], "growth is not used, refund_rate spoke against"
    assert r[0].text_en == "Cautious forecast collections cover the repayment comfortably" and r[0].contribution == -0.4
    assert r[1].text_en == "Steady sales from day to day" and "平稳" in r[1].text_zh


def test_no_reason_about_a_harvest_the_merchant_does_not_have():
    shop = {"harvest_lift": 0.0, "recent_harvest_share": 0.0, "term_harvest_share": 0.0, "refund_rate": 0.1, "coverage_harvest": 2.0}
    deltas = {"harvest_lift": 0.6, "recent_harvest_share": 0.3, "term_harvest_share": -0.5, "refund_rate": 0.1, "coverage_harvest": 0.05}
    used = list(deltas)
    assert not applies("harvest_lift", shop) and not applies("term_harvest_share", shop)
    assert [x.feature for x in top_reasons(deltas, shop, used)] == ["refund_rate", "coverage_harvest"]
    assert top_reasons(deltas, shop, used, favour=True) == []
    grower = {**shop, "recent_harvest_share": 0.5}
    assert [x.feature for x in top_reasons(deltas, grower, used)][:2] == ["harvest_lift", "recent_harvest_share"]
    # A value the model did not have says nothing about the merchant either.
    assert not applies("settlement_regularity", {"settlement_regularity": float("nan")}) and not applies("growth", {})


def test_unknown_feature_gets_generic_text():
    code, en, zh = describe("mystery")
    assert code == "R99_mystery" and "mystery" in en and "mystery" in zh


def test_reason_text_follows_the_side_of_the_median():
    assert describe("sales_level", 100.0, 1000.0)[1] == "Small sales volume"
    code, en, zh = describe("sales_level", 20000.0, 1000.0)
    assert code == "R12" and "raised the estimated risk" in en and "20,000" in en and "提高了预估风险" in zh
    assert describe("refund_rate")[1] == "High share of sales refunded"  # no median known: catalogue text
    # A lift at the median gets the plain wording, never a heavy harvest dependence it does not have.
    code, en, zh = describe("harvest_lift", 0.4, 0.4)
    assert code == "R20" and en == "The harvest-season lift of 0.4 raised the estimated risk" and "heavily" not in en
    assert describe("sales_level", 20000.0, 1000.0, favour=True)[1] == "Large sales volume"
    assert describe("sales_level", 100.0, 1000.0, favour=True)[1] == "The sales level (yuan/day) of 100 lowered the estimated risk"


def test_remedy_value_finds_first_value_reaching_target():
    # PD falls linearly as coverage rises from 0.5 to 2.5
    value = remedy_value(0.5, +1, 2.5, lambda v: 0.2 - 0.1 * (v - 0.5), target_pd=0.1)
    assert value == pytest.approx(1.5, abs=0.05)
    assert remedy_value(0.5, +1, 2.5, lambda v: 0.9, target_pd=0.1) is None
    assert remedy_value(3.0, +1, 2.5, lambda v: 0.0, target_pd=0.1) is None
    # Lowering a feature that raises risk: falls as the value drops from 2.0 towards 0.
    assert remedy_value(2.0, -1, 0.0, lambda v: 0.05 * v, target_pd=0.05) == pytest.approx(1.0, abs=0.05)
    # How far a factor in the merchant's favour may slip: coverage falling from 2.5, PD past 0.1.
    assert remedy_value(2.5, -1, 0.5, lambda v: 0.2 - 0.1 * (v - 0.5), target_pd=0.1, above=True) == pytest.approx(1.5, abs=0.05)
    assert remedy_value(2.5, -1, 0.5, lambda v: 0.01, target_pd=0.1, above=True) is None


def test_remedy_bisection_agrees_with_scanning_every_step():
    # Stepwise, flat in places, as a tree ensemble is: the first grid step at or below target.
    def pd_at(v: float) -> float:
        return 0.3 - 0.05 * int(v * 4) / 4

    for target in (0.29, 0.25, 0.2, 0.17, 0.15, 0.11):
        grid = [0.1 + (3.0 - 0.1) * (k + 1) / 48 for k in range(48)]
        first = next((v for v in grid if pd_at(v) <= target), None)
        assert remedy_value(0.1, +1, 3.0, pd_at, target_pd=target) == first


def test_policy_text_fills_in_configured_figures():
    en, zh = policy_text("coverage_floor", {"refer_coverage_floor": 0.8})
    assert "80%" in en and "80%" in zh


def test_constructed_applicant_reason_points_at_worsened_factor(trained_scorer, book):
    good = book.median(numeric_only=True).to_dict()
    good.update(coverage_p10=2.5, coverage_p50=3.5, refund_rate=0.02, volatility=0.1, growth=0.2, history_days=700)
    for feature, worse in [("refund_rate", 0.25), ("coverage_p10", 0.4), ("volatility", 1.5)]:
        applicant = {**good, feature: worse}
        out = trained_scorer.explain(applicant)
        reasons = top_reasons(out.deltas, applicant, out.used_features)
        assert reasons and reasons[0].feature == feature, (feature, out.deltas)
        assert out.pd > trained_scorer.pd(good)
