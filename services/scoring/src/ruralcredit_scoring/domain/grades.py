"""PD to grade A-E by configured PD bands."""

from __future__ import annotations

from ruralcredit_scoring.domain.config import DEFAULT_GRADE_BANDS

WORST_GRADE = "E"


def grade_for(pd: float, bands: tuple[tuple[str, float], ...] = DEFAULT_GRADE_BANDS) -> str:
    """The grade whose PD band holds pd (upper bounds inclusive)."""
    if not 0.0 <= pd <= 1.0:
        raise ValueError(f"PD must be within [0, 1], got {pd}")
    for grade, upper in bands:
        if pd <= upper:
            return grade
    return WORST_GRADE


def next_better(grade: str, bands: tuple[tuple[str, float], ...] = DEFAULT_GRADE_BANDS) -> tuple[str, float] | None:
    """The grade one step better than grade and its PD upper bound; None for the best grade."""
    names = [g for g, _ in bands] + [WORST_GRADE]
    i = names.index(grade)
    if i == 0:
        return None
    return bands[i - 1]


def next_worse(grade: str, bands: tuple[tuple[str, float], ...] = DEFAULT_GRADE_BANDS) -> str | None:
    """The grade one step worse than grade; None for the worst grade."""
    names = [g for g, _ in bands] + [WORST_GRADE]
    i = names.index(grade)
    return names[i + 1] if i + 1 < len(names) else None


def upper_bound(grade: str, bands: tuple[tuple[str, float], ...] = DEFAULT_GRADE_BANDS) -> float:
    """PD upper bound of grade (1.0 for the worst grade)."""
    return dict(bands).get(grade, 1.0)
