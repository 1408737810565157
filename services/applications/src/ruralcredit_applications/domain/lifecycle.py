"""The life of an application: which status may follow which, and who may move it."""

from __future__ import annotations

from typing import Final, Literal

Status = Literal["submitted", "forecasting", "scored", "approved", "referred", "declined", "withdrawn", "expired"]
SUBMITTED: Final = "submitted"
FORECASTING: Final = "forecasting"
SCORED: Final = "scored"
APPROVED: Final = "approved"
REFERRED: Final = "referred"
DECLINED: Final = "declined"
WITHDRAWN: Final = "withdrawn"
EXPIRED: Final = "expired"

STATUSES: tuple[Status, ...] = (SUBMITTED, FORECASTING, SCORED, APPROVED, REFERRED, DECLINED, WITHDRAWN, EXPIRED)

# An application the suite could not decide (a stage failed, or no decision came within the
# deadline) is referred to a loan officer rather than left waiting.
_NEXT: dict[str, set[str]] = {
    SUBMITTED: {FORECASTING, REFERRED, WITHDRAWN, EXPIRED},
    FORECASTING: {SCORED, REFERRED, WITHDRAWN, EXPIRED},
    SCORED: {APPROVED, REFERRED, DECLINED},
    REFERRED: {APPROVED, DECLINED, WITHDRAWN, EXPIRED},
    APPROVED: {WITHDRAWN},
    DECLINED: set(),
    WITHDRAWN: set(),
    EXPIRED: set(),
}

# An officer's override decides a referral, and may also reverse the model's approval (a field
# visit finds the shop closed) or its decline (a signed purchase contract): once, with a reason.
_OVERRIDE: dict[str, set[str]] = {
    REFERRED: {APPROVED, DECLINED},
    APPROVED: {DECLINED},
    DECLINED: {APPROVED},
}

OUTCOME_STATUS = {"approve": APPROVED, "refer": REFERRED, "decline": DECLINED}


class TransitionError(ValueError):
    """A status change the lifecycle does not allow."""


def check(current: str, new: str, *, override: bool = False) -> None:
    """Raise TransitionError unless `current` may become `new` (by an officer's override, if `override`)."""
    if new not in (_OVERRIDE if override else _NEXT).get(current, set()):
        raise TransitionError(f"an application that is {current} cannot become {new}{' by an override' if override else ''}")


AWAITING = (SUBMITTED, FORECASTING)


def awaiting_decision(status: str) -> bool:
    """Whether the application still waits for the scorer."""
    return status in AWAITING
