"""Rows of repayment batches: deductions a platform took from payouts, and a bank's other repayments."""

from __future__ import annotations

from typing import Final, Literal

from ruralcredit_applications.domain.sales import Amount, Ref, _Row
from ruralcredit_common.inputs import Moment

# Who reported a repayment: the platform (deducted from payouts) or the bank.
Source = Literal["platform", "bank"]
PLATFORM: Final = "platform"
BANK: Final = "bank"


class RepaymentRow(_Row):
    """A repayment the bank received (at a branch, by transfer, from the core system's own collection)."""

    repayment_id: Ref
    loan_id: Ref
    paid_at: Moment
    amount: Amount


class DeductionRow(RepaymentRow):
    """An instalment the platform deducted from one of the merchant's payouts."""

    payout_id: Ref | None = None
