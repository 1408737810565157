"""Officer overrides: which way they go, on which grounds, and within which product limits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from ruralcredit_applications.domain import lifecycle

APPROVE = "approve"
DECLINE = "decline"

# The grounds an officer may give, each for one outcome ("other" for either, explained in words).
# A fixed list lets model validation count overrides by ground, not only by free text.
ReasonCode = Literal[
    "purchase_contract", "field_visit_verified", "sales_outside_platform", "guarantee", "repayment_history",
    "business_closed", "fraud_suspected", "adverse_information", "over_indebted", "purpose_ineligible", "other",
]
APPROVE_REASONS: dict[ReasonCode, str] = {
    "purchase_contract": "a signed purchase or supply contract covers the repayment",
    "field_visit_verified": "a field visit confirmed the business, its stock and its sales",
    "sales_outside_platform": "documented sales the platforms do not see (another platform, cash, wholesale)",
    "guarantee": "a guarantor, co-operative or guarantee fund stands behind the loan",
    "repayment_history": "the merchant repaid earlier loans from the institution on time",
}
DECLINE_REASONS: dict[ReasonCode, str] = {
    "business_closed": "a field visit found the business closed or not trading",
    "fraud_suspected": "sales, identity or documents look manufactured",
    "adverse_information": "arrears with another lender, a court judgement or a dispute",
    "over_indebted": "debts elsewhere that the sales data does not show",
    "purpose_ineligible": "the money would go to a purpose the product does not finance",
}
OTHER: Final = "other"
REASON_CODES: tuple[ReasonCode, ...] = (*APPROVE_REASONS, *DECLINE_REASONS, OTHER)

# What the application was when overridden, in the words of the model's outcomes.
_WAS = {lifecycle.DECLINED: DECLINE, lifecycle.APPROVED: APPROVE, lifecycle.REFERRED: "refer"}
DIRECTIONS: tuple[str, ...] = ("decline_to_approve", "approve_to_decline", "refer_to_approve", "refer_to_decline")


class OverrideRefused(ValueError):
    """An override the rules do not allow; `field` names the input at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ProductLimits:
    """The loan product's bounds, which no override may pass (the scoring policy's defaults)."""

    min_amount: Decimal = Decimal("1000.00")
    max_amount: Decimal = Decimal("200000.00")
    min_term_days: int = 15
    max_term_days: int = 360


def direction(status: str, outcome: str) -> str:
    """The override's direction, or OverrideRefused when an application in `status` cannot take `outcome`."""
    try:
        lifecycle.check(status, lifecycle.OUTCOME_STATUS[outcome], override=True)
    except lifecycle.TransitionError as exc:
        raise OverrideRefused(str(exc)) from None
    return f"{_WAS[status]}_to_{outcome}"


def check_reason(outcome: str, reason_code: str) -> None:
    """Refuse a reason code that argues for the other outcome."""
    allowed = APPROVE_REASONS if outcome == APPROVE else DECLINE_REASONS
    if reason_code != OTHER and reason_code not in allowed:
        raise OverrideRefused(f"{reason_code} is a ground to {'decline' if outcome == APPROVE else 'approve'}, "
                              f"not to {outcome}; use one of {', '.join([*allowed, OTHER])}", field="reason_code")


def check_terms(outcome: str, amount: Decimal | None, term_days: int | None) -> None:
    """Refuse terms on a decline: only an approval lends anything."""
    if outcome == DECLINE and (amount is not None or term_days is not None):
        raise OverrideRefused("only an approval takes an amount and a term", field="amount" if amount is not None else "term_days")


def approved_terms(
    limits: ProductLimits, *, requested_amount: Decimal, requested_term: int,
    proposed_amount: Decimal | None, proposed_term: int | None,
    amount: Decimal | None, term_days: int | None,
) -> tuple[Decimal, int]:
    """The amount and term an officer approves on: as given, else the model's proposal, else the request.

    Never more than the merchant asked for, and within the product's amount and term range.
    """
    amount = amount if amount is not None else (proposed_amount or requested_amount)
    term = term_days if term_days is not None else (proposed_term or requested_term)
    cap = min(limits.max_amount, requested_amount)
    if amount > cap:
        what = "the product maximum" if cap == limits.max_amount else "the amount requested"
        raise OverrideRefused(f"must not exceed {what}, {cap}", field="amount")
    if amount < limits.min_amount:
        raise OverrideRefused(f"must be at least the product minimum, {limits.min_amount}", field="amount")
    if not limits.min_term_days <= term <= limits.max_term_days:
        raise OverrideRefused(f"must be within the product's term range, {limits.min_term_days}-{limits.max_term_days} days",
                              field="term_days")
    return amount, term
