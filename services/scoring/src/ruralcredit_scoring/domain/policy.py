"""Credit policy: minimum history, coverage floor, PD ceiling and exposure caps."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ruralcredit_scoring.domain.config import DEFAULT_POLICY, PolicyConfig

Outcome = Literal["approve", "refer", "decline"]

APPROVE: Outcome = "approve"
REFER: Outcome = "refer"
DECLINE: Outcome = "decline"
# The rule that sends an application without its sales evidence to a loan officer.
MISSING_EVIDENCE = "missing_evidence"


@dataclass(frozen=True)
class PolicyInput:
    """What the policy looks at for one application."""

    pd: float
    history_days: float
    coverage_p10: float
    limit: Decimal  # the limit the sizing would grant, before the policy
    existing_exposure: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class PolicyResult:
    """Outcome, the rule that fired (None when every rule passed) and the policy version."""

    outcome: Outcome
    rule: str | None
    detail: str
    version: str


def _missing(x: float) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def evaluate(inp: PolicyInput, cfg: PolicyConfig = DEFAULT_POLICY) -> PolicyResult:
    """Apply the rules in order: hard declines first, then referrals, else approve."""

    def result(outcome: Outcome, rule: str | None, detail: str) -> PolicyResult:
        return PolicyResult(outcome, rule, detail, cfg.version)

    if _missing(inp.pd) or _missing(inp.history_days) or _missing(inp.coverage_p10):
        # Without the evidence the model cannot be trusted; a person has to look.
        return result(REFER, MISSING_EVIDENCE, "history, coverage or PD missing")
    if inp.history_days < cfg.refer_history_days:
        return result(DECLINE, "min_history", f"history {inp.history_days:.0f} d < {cfg.refer_history_days} d")
    if inp.pd > cfg.pd_ceiling:
        return result(DECLINE, "pd_ceiling", f"PD {inp.pd:.4f} > ceiling {cfg.pd_ceiling}")
    if inp.coverage_p10 < cfg.refer_coverage_floor:
        return result(DECLINE, "coverage_floor", f"P10 coverage {inp.coverage_p10:.2f} < {cfg.refer_coverage_floor}")
    headroom = cfg.max_merchant_exposure - inp.existing_exposure
    if headroom < cfg.min_limit or inp.limit < cfg.min_limit:
        return result(
            DECLINE,
            "exposure_cap" if headroom < cfg.min_limit else "limit_too_small",
            f"headroom {headroom}, limit {inp.limit}, minimum {cfg.min_limit}",
        )
    if inp.history_days < cfg.min_history_days:
        return result(REFER, "short_history", f"history {inp.history_days:.0f} d < {cfg.min_history_days} d")
    if inp.pd > cfg.refer_pd:
        return result(REFER, "pd_refer", f"PD {inp.pd:.4f} > {cfg.refer_pd}")
    if inp.coverage_p10 < cfg.coverage_floor:
        return result(REFER, "coverage_refer", f"P10 coverage {inp.coverage_p10:.2f} < {cfg.coverage_floor}")
    exposure_after = inp.existing_exposure + inp.limit
    if exposure_after > cfg.max_merchant_exposure * Decimal(str(cfg.refer_exposure_share)):
        return result(REFER, "exposure_refer", f"exposure after loan {exposure_after}")
    return result(APPROVE, None, "all rules passed")
