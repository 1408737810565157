"""Compose grade, policy, limit, price, schedule and reasons into one decision."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ruralcredit_scoring.domain import grades, limits, policy, pricing, reasons
from ruralcredit_scoring.domain.config import DEFAULT_POLICY, DEFAULT_PRICING, PolicyConfig, PricingConfig

# The policy rule of a risk whose price would pass the legal ceiling.
RATE_CEILING = "rate_ceiling"

# feature, target PD, worsen -> the feature value that would bring the PD to the target, or with
# worsen past it (None if no value does)
RemedyFn = Callable[[str, float, bool], "float | None"]


@dataclass(frozen=True)
class Application:
    """What the scorer knows about one application once the cashflow service has assessed it."""

    application_id: str
    merchant_id: str
    amount: Decimal
    term_days: int
    as_of: dt.date
    features: Mapping[str, float]
    daily_p10: Sequence[float]
    daily_p50: Sequence[float] = ()
    settlement_lag_days: int = 15
    payout_days: Sequence[dt.date] = ()
    existing_exposure: Decimal = Decimal("0.00")
    # P10 of total collections over the requested term, when the forecaster gives it.
    term_p10: float | None = None


@dataclass(frozen=True)
class ModelOutput:
    """The model's view of one application: calibrated PD and per-feature deltas against the baseline."""

    pd: float
    deltas: Mapping[str, float]
    used_features: Sequence[str]
    model_version: str
    medians: Mapping[str, float] = field(default_factory=dict)  # training medians, to word reasons


@dataclass(frozen=True)
class Decision:
    """Approve / refer / decline with limit, term, price, schedule, reasons and versions."""

    application_id: str
    merchant_id: str
    outcome: policy.Outcome
    pd: float
    grade: str
    limit: Decimal
    term_days: int
    rate: pricing.RateQuote | None
    schedule: tuple[limits.Instalment, ...]
    reasons: tuple[reasons.Reason, ...]
    policy_rule: str | None
    policy_version: str
    model_version: str
    limit_binding: str = ""
    repayment_share: Decimal | None = None
    features: Mapping[str, float] = field(default_factory=dict)


def _policy_reason(rule: str | None, cfg: PolicyConfig, rcfg: PricingConfig) -> list[reasons.Reason]:
    text = reasons.policy_text(rule, {**vars(rcfg), **vars(cfg)}) if rule else None
    if text is None:
        return []
    return [reasons.Reason(f"P_{rule}", "policy", text[0], text[1], 0.0)]


def _with_remedies(
    found: list[reasons.Reason], grade: str, pcfg: PolicyConfig, remedy: RemedyFn | None, max_remedies: int, favour: bool
) -> list[reasons.Reason]:
    """Each reason with what would have to change: against the merchant, the value reaching the next
    better grade; in its favour (an approval), the value at which the grade would drop."""
    if favour:
        worse = grades.next_worse(grade, pcfg.grade_bands)
        target = (worse, grades.upper_bound(grade, pcfg.grade_bands)) if worse else None
    else:
        target = grades.next_better(grade, pcfg.grade_bands)
    if remedy is None:
        return found
    if target is None:
        # Refused at the best grade (by a policy rule) or approved at the worst: the grade cannot move that way.
        return [dataclasses.replace(r, to_improve=reasons.grade_bound_text(grade, favour)) for r in found[:max_remedies]] + found[max_remedies:]
    words = reasons.slip_text if favour else reasons.improve_text
    out = []
    for i, r in enumerate(found):
        if i >= max_remedies:
            out.append(r)
            continue
        out.append(dataclasses.replace(r, to_improve=words(r.feature, remedy(r.feature, target[1], favour), target[0])))
    return out


def decide(
    app: Application,
    model: ModelOutput,
    *,
    pcfg: PolicyConfig = DEFAULT_POLICY,
    rcfg: PricingConfig = DEFAULT_PRICING,
    remedy: RemedyFn | None = None,
    max_reasons: int = 4,
    max_remedies: int = 4,
) -> Decision:
    """The decision on one application, from the model's PD and deltas and the configured policy."""
    grade = grades.grade_for(model.pd, pcfg.grade_bands)
    lag = app.settlement_lag_days
    term = limits.align_term(app.term_days, lag, pcfg)
    sized = limits.size_limit(
        daily_p10=app.daily_p10,
        term_days=term,
        term_p10=limits.term_p10_for(term, app.term_days, app.term_p10, app.daily_p10),
        requested=app.amount,
        existing_exposure=app.existing_exposure,
        cfg=pcfg,
    )
    verdict = policy.evaluate(
        policy.PolicyInput(
            pd=model.pd,
            history_days=app.features.get("history_days", float("nan")),
            coverage_p10=app.features.get("coverage_p10", float("nan")),
            limit=sized.limit,
            existing_exposure=app.existing_exposure,
        ),
        pcfg,
    )
    rate, share, limit = None, None, Decimal("0.00")
    schedule: tuple[limits.Instalment, ...] = ()
    # Without the evidence the PD means little: an officer looks, and no terms are proposed.
    priced = verdict.outcome != policy.DECLINE and verdict.rule != policy.MISSING_EVIDENCE
    if priced:
        rate = pricing.price(model.pd, term, rcfg)
        if rate.capped:
            # Lending at the ceiling would price this risk below its expected loss: the bank
            # declines rather than subsidise it, and says why.
            verdict = policy.PolicyResult(
                policy.DECLINE, RATE_CEILING, f"rate {rate.uncapped} > ceiling {rcfg.ceiling}", verdict.version
            )
            rate = None
    if rate is not None:
        limit = sized.limit
        dues = limits.due_dates(app.as_of, term, lag, app.payout_days)
        if rcfg.schedule_mode == "share" and app.daily_p50:
            sched, share = limits.share_schedule(limit, rate.annual_rate, app.as_of, dues, app.daily_p50)
        else:
            sched = limits.fixed_schedule(limit, rate.annual_rate, app.as_of, dues)
        schedule = tuple(sched)
    # An approval is explained by what spoke for the merchant; anything else by what spoke against.
    favour = verdict.outcome == policy.APPROVE
    found = reasons.top_reasons(model.deltas, app.features, model.used_features, n=max_reasons, medians=model.medians, favour=favour)
    found = _with_remedies(found, grade, pcfg, remedy, max_remedies, favour)
    if not favour:
        found = _policy_reason(verdict.rule, pcfg, rcfg) + found
    return Decision(
        application_id=app.application_id,
        merchant_id=app.merchant_id,
        outcome=verdict.outcome,
        pd=model.pd,
        grade=grade,
        limit=limit,
        term_days=term,
        rate=rate,
        schedule=schedule,
        reasons=tuple(found),
        policy_rule=verdict.rule,
        policy_version=verdict.version,
        model_version=model.model_version,
        limit_binding=sized.binding,
        repayment_share=share,
        features=dict(app.features),
    )
