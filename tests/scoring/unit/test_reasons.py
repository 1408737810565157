"""Reason codes point at the factor that was made worse."""

import pytest

from ruralcredit_scoring.domain.reasons import describe, policy_text, remedy_value, top_reasons


def test_top_reasons_rank_only_risk_raising_used_features():
    deltas = {"refund_rate": 0.5, "volatility": 0.2, "coverage_p10": -0.4, "growth": 0.9}
    r = top_reasons(deltas, {"refund_rate": 0.2}, used=["refund_rate", "volatility", "coverage_p10"], n=2)
    assert [x.feature for x in r] == ["refund_rate", "volatility"]
    assert r[0].code == "R05" and "退款" in r[0].text_zh and r[0].value == 0.2


def test_unknown_feature_gets_generic_text():
    code, en, zh = describe("mystery")
    assert code == "R99_mystery" and "mystery" in en and "mystery" in zh


def test_reason_text_follows_the_side_of_the_median():
    assert describe("sales_level", 100.0, 1000.0)[1] == "Small sales volume"
    code, en, zh = describe("sales_level", 20000.0, 1000.0)
    assert code == "R12" and "raised the estimated risk" in en and "20,000" in en and "提高了预估风险" in zh
    assert describe("refund_rate")[1] == "High share of sales refunded"  # no median known: catalogue text
    # No harvest at all sits at the median: the text must not claim a heavy harvest dependence.
    code, en, zh = describe("harvest_lift", 0.0, 0.0)
    assert code == "R20" and en == "The harvest-season lift of 0 raised the estimated risk" and "heavily" not in en


def test_remedy_value_finds_first_value_reaching_target():
    # PD falls linearly as coverage rises from 0.5 to 2.5
    value = remedy_value(0.5, +1, 2.5, lambda v: 0.2 - 0.1 * (v - 0.5), target_pd=0.1)
    assert value == pytest.approx(1.5, abs=0.05)
    assert remedy_value(0.5, +1, 2.5, lambda v: 0.9, target_pd=0.1) is None
    assert remedy_value(3.0, +1, 2.5, lambda v: 0.0, target_pd=0.1) is None
    # Lowering a feature that raises risk: falls as the value drops from 2.0 towards 0.
    assert remedy_value(2.0, -1, 0.0, lambda v: 0.05 * v, target_pd=0.05) == pytest.approx(1.0, abs=0.05)


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
