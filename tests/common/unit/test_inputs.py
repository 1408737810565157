"""The input types refuse exactly what their published patterns refuse."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from ruralcredit_common.inputs import Day, Moment, decimal_pattern, integer, money, text

BOUNDS = [(Decimal("5000000"), 2, True), (Decimal("0.5"), 4, False), (Decimal("999999999999.99"), 2, False), (Decimal("1234.5"), 2, True)]
decimal_texts = st.from_regex(r"\A[0-9]{1,14}(\.[0-9]{0,5})?\Z") | st.sampled_from(["0", "0.0", "0.00", "00.5", ".5", "5.", "5000000.00", "5000000.01", "0.5000", "0.50001"])


def _in_bounds(value: str, maximum: Decimal, places: int, positive: bool) -> bool:
    if not re.fullmatch(rf"(0|[1-9][0-9]*)(\.[0-9]{{1,{places}}})?", value):
        return False
    try:
        d = Decimal(value)
    except InvalidOperation:
        return False
    return (d > 0 if positive else d >= 0) and d <= maximum


@pytest.mark.parametrize(("maximum", "places", "positive"), BOUNDS)
@settings(max_examples=300)
@given(value=decimal_texts)
def test_the_money_pattern_is_the_bound(maximum, places, positive, value):
    assert bool(re.fullmatch(decimal_pattern(maximum, places, positive=positive), value)) == _in_bounds(value, maximum, places, positive)


def test_money_is_a_decimal_string_not_a_json_number():
    amount = TypeAdapter(Annotated[Decimal, money(Decimal("5000000"))])
    assert amount.validate_json('"128.50"') == Decimal("128.50")
    for bad in ("128.5", "true", '"0.00"', '"5000000.01"', '"1e3"', '" 5"'):
        with pytest.raises(ValidationError):
            amount.validate_json(bad)


def test_counts_are_never_booleans():
    days = TypeAdapter(Annotated[int, integer(0, 120)])
    assert days.validate_json("15") == 15 and days.validate_json("15.0") == 15
    for bad in ("false", "true", '"15"', "15.5"):
        with pytest.raises(ValidationError):
            days.validate_json(bad)


@pytest.mark.parametrize("bad", ['"1999-12-31"', '"0001-01-01"', '"3000-01-01"', '"2026-6-1"', "20260601"])
def test_days_start_in_2000(bad):
    with pytest.raises(ValidationError, match="2000"):
        TypeAdapter(Day).validate_json(bad)


@pytest.mark.parametrize("bad", ['"0001-01-01T00:00:00Z"', '"2026-06-01T10:00:00"', '"2026-06-01 10:00:00Z"', "1780000000"])
def test_moments_start_in_2000_with_an_offset(bad):
    with pytest.raises(ValidationError):
        TypeAdapter(Moment).validate_json(bad)
    assert TypeAdapter(Moment).validate_json('"2026-06-01T10:00:00.5+08:00"').utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize("bad", ["o\x00", "o\x1b[0m", "o\u202e1", "o\x85", "o\u200b", " o", "o\u3000", ""])
def test_ids_refuse_hidden_characters_and_edge_spaces(bad):
    with pytest.raises(ValidationError):
        TypeAdapter(Annotated[str, text(1, 64)]).validate_python(bad)
    assert TypeAdapter(Annotated[str, text(1, 64)]).validate_python("shop 1/芒果") == "shop 1/芒果"
