"""Policy edge cases: each rule fires at its boundary and in order."""

from decimal import Decimal

import pytest

from ruralcredit_scoring.domain import PolicyConfig
from ruralcredit_scoring.domain.policy import PolicyInput, evaluate

CFG = PolicyConfig()
GOOD = {"pd": 0.02, "history_days": 400, "coverage_p10": 1.5, "limit": Decimal("50000.00")}


def run(**changes):
    return evaluate(PolicyInput(**{**GOOD, **changes}), CFG)


def test_good_applicant_is_approved_with_no_rule():
    r = run()
    assert (r.outcome, r.rule, r.version) == ("approve", None, CFG.version)


@pytest.mark.parametrize(
    ("changes", "outcome", "rule"),
    [
        ({"history_days": 59}, "decline", "min_history"),
        ({"history_days": 60}, "refer", "short_history"),
        ({"history_days": 89.9}, "refer", "short_history"),
        ({"history_days": 90}, "approve", None),
        ({"pd": 0.15}, "refer", "pd_refer"),
        ({"pd": 0.1500001}, "decline", "pd_ceiling"),
        ({"pd": 0.06}, "approve", None),
        ({"pd": 0.0600001}, "refer", "pd_refer"),
        ({"coverage_p10": 0.79}, "decline", "coverage_floor"),
        ({"coverage_p10": 0.8}, "refer", "coverage_refer"),
        ({"coverage_p10": 1.0}, "approve", None),
        ({"limit": Decimal("999.99")}, "decline", "limit_too_small"),
        ({"existing_exposure": Decimal("299500.00")}, "decline", "exposure_cap"),
        ({"existing_exposure": Decimal("200000.00")}, "refer", "exposure_refer"),
        ({"coverage_p10": float("nan")}, "refer", "missing_evidence"),
        ({"pd": float("nan")}, "refer", "missing_evidence"),
    ],
)
def test_rule_boundaries(changes, outcome, rule):
    r = run(**changes)
    assert (r.outcome, r.rule) == (outcome, rule)


def test_declines_take_precedence_over_referrals():
    # Short history (refer) and a PD above the ceiling (decline): the decline wins.
    assert run(history_days=70, pd=0.3).rule == "pd_ceiling"
    # Too short a history is checked first of all.
    assert run(history_days=10, pd=0.3, coverage_p10=0.1).rule == "min_history"


def test_config_rejects_inconsistent_thresholds():
    with pytest.raises(ValueError):
        PolicyConfig(refer_pd=0.2, pd_ceiling=0.1)
    with pytest.raises(ValueError):
        PolicyConfig(grade_bands=(("A", 0.05), ("B", 0.01)))
