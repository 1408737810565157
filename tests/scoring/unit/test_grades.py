"""PD to grade."""

import pytest

from ruralcredit_scoring.domain.grades import grade_for, next_better, upper_bound


@pytest.mark.parametrize(
    ("pd", "grade"),
    [(0.0, "A"), (0.01, "A"), (0.0100001, "B"), (0.025, "B"), (0.04, "C"), (0.1, "D"), (0.10001, "E"), (1.0, "E")],
)
def test_grade_bands_are_upper_inclusive(pd, grade):
    assert grade_for(pd) == grade


def test_custom_bands():
    bands = (("A", 0.02), ("B", 0.2))
    assert grade_for(0.03, bands) == "B"
    assert grade_for(0.5, bands) == "E"


@pytest.mark.parametrize("pd", [-0.01, 1.01, float("nan")])
def test_pd_outside_unit_interval_is_rejected(pd):
    with pytest.raises(ValueError):
        grade_for(pd)


def test_next_better_grade():
    assert next_better("A") is None
    assert next_better("C") == ("B", 0.025)
    assert next_better("E") == ("D", 0.10)
    assert upper_bound("E") == 1.0
