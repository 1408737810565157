"""Field types for request bodies whose JSON Schema says exactly what the services accept.

Each type checks its input with the same pattern its schema publishes, so a client (or a fuzzer)
reading the OpenAPI document knows what will be refused: ids and references without control or
bidirectional-override characters, money as decimal strings within its bounds, dates and times
from 2000-01-01 on, and numbers that are never booleans.

`text`, `money`, `integer` and `number` give the rules for a type written out beside them, as in
`Annotated[str, text(1, 40)]`, so that a type checker sees the str, Decimal, int or float a field holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Ge, GroupedMetadata, Le
from pydantic import AfterValidator, AllowInfNan, BeforeValidator, Strict, WithJsonSchema

# C0 and C1 controls, DEL, and the invisible and bidirectional formatting characters (an id
# with U+202E prints reversed in the officer's screen and in the logs).
_HIDDEN = r"\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
# Spaces, written out so that Python's and ECMAScript's regular expressions agree.
_SPACES = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
REF_PATTERN = rf"^[^{_HIDDEN}{_SPACES}](?:[^{_HIDDEN}]*[^{_HIDDEN}{_SPACES}])?$"
# Free text may span lines (a browser sends \r\n); it still may not hide characters or start or
# end with a space or a line end.
_TEXT_HIDDEN = _HIDDEN.replace(r"\x00-\x1f", r"\x00-\x09\x0b\x0c\x0e-\x1f")
TEXT_PATTERN = rf"^[^{_TEXT_HIDDEN}{_SPACES}\r\n](?:[^{_TEXT_HIDDEN}]*[^{_TEXT_HIDDEN}{_SPACES}\r\n])?$"

# Fourteen digits, two of them decimals: what the money columns hold.
MAX_MONEY = Decimal("999999999999.99")

# The earliest day anything in the suite can have happened on; the latest is 2999-12-31.
FLOOR = dt.date(2000, 1, 1)
DATE_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}$"
DATETIME_PATTERN = r"^2[0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})$"


@dataclass(frozen=True)
class Rules(GroupedMetadata):
    """The validators, constraints and JSON Schema of one field type, for pydantic to unpack from `Annotated`."""

    items: tuple[object, ...]

    def __iter__(self) -> Iterator[object]:
        return iter(self.items)


def _matching(pattern: str, reason: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError(reason)
        return value

    return check


def text(min_length: int, max_length: int, *, lines: bool = False) -> Rules:
    """For `Annotated[str, ...]`: `min_length` to `max_length` characters, no control or bidi characters, no edge spaces."""
    pattern = TEXT_PATTERN if lines else REF_PATTERN
    reason = "must not contain control, invisible or bidirectional characters, nor start or end with a space"
    schema = {"type": "string", "minLength": min_length, "maxLength": max_length, "pattern": pattern}
    return Rules((
        Strict(),
        AfterValidator(_length(min_length, max_length)),
        AfterValidator(_matching(pattern, reason)),
        WithJsonSchema(schema),
    ))


def _length(low: int, high: int) -> Any:
    def check(value: str) -> str:
        if not low <= len(value) <= high:
            raise ValueError(f"must be {low} to {high} characters long")
        return value

    return check


def _integers_upto(limit: int, *, from_one: bool) -> str:
    """A regular expression for the integers from 0 (or 1) to `limit`, without leading zeros."""
    digits = str(limit)
    alts = [] if from_one else ["0"]
    if len(digits) > 1:
        alts.append(f"[1-9][0-9]{{0,{len(digits) - 2}}}")
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            alts.append(f"{digits[:i]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    alts.append(digits)
    return "(?:" + "|".join(dict.fromkeys(alts)) + ")"


def _upto_digits(n: int) -> str:
    return f"[0-9]{{0,{n}}}" if n else ""


def _fraction_upto(fraction: str) -> str:
    """One to len(fraction) decimals whose value is at most 0.<fraction>."""
    alts = []
    for i, digit in enumerate(fraction):
        rest = len(fraction) - i - 1
        if int(digit) > 0:
            alts.append(f"{fraction[:i]}[0-{int(digit) - 1}]" + _upto_digits(rest))
        alts.append(fraction[: i + 1])
    return "(?:" + "|".join(dict.fromkeys(alts)) + ")"


def decimal_pattern(maximum: Decimal, places: int, *, positive: bool) -> str:
    """A regular expression for the decimal strings from 0 (or above 0) to `maximum` with at most `places` decimals."""
    whole_text, _, frac = f"{maximum:.{places}f}".partition(".")
    whole = int(whole_text)
    if positive and whole < 1:
        raise ValueError("a positive bound below 1 is not supported")
    decimals = f"(?:\\.[0-9]{{1,{places}}})?"
    alts = []
    if positive:
        # Zero and a fraction: at least one decimal is not 0.
        alts.append("0\\.(?:" + "|".join(f"{'0' * k}[1-9]" + _upto_digits(places - k - 1) for k in range(places)) + ")")
    if whole - 1 >= (1 if positive else 0):
        alts.append(_integers_upto(whole - 1, from_one=positive) + decimals)
    alts.append(f"{whole}(?:\\.{_fraction_upto(frac)})?")
    return "^(?:" + "|".join(alts) + ")$"


def money(maximum: Decimal, *, places: int = 2, positive: bool = True) -> Rules:
    """For `Annotated[Decimal, ...]`: a decimal string such as "128.50", above 0 (or from 0) up to `maximum`; a JSON number is refused."""
    pattern = decimal_pattern(maximum, places, positive=positive)
    compiled = re.compile(pattern)
    low = "above 0" if positive else "from 0"
    reason = f"must be a decimal string {low} up to {maximum} with at most {places} decimals, such as \"{Decimal(1):.{places}f}\""

    def check(value: Any) -> Any:
        # JSON numbers are binary fractions: money travels as text and is read exactly.
        if isinstance(value, Decimal):
            if not (value > 0 if positive else value >= 0) or value > maximum:
                raise ValueError(reason)
            # Only finite values get past the bounds, and a finite value's exponent is an int.
            exponent = value.as_tuple().exponent
            if not isinstance(exponent, int) or -exponent > places:
                raise ValueError(reason)
            return value
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(reason)
        return Decimal(value)

    return Rules((BeforeValidator(check), WithJsonSchema({"type": "string", "pattern": pattern})))


def _day(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if not FLOOR <= value <= dt.date(2999, 12, 31):
            raise ValueError("must be a day from 2000-01-01 to 2999-12-31")
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a day from 2000-01-01 to 2999-12-31, written YYYY-MM-DD")
    return value


def _moment(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or not FLOOR.year <= value.year <= 2999:
            raise ValueError("must be a moment from 2000 on, with its offset")
        return value
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise ValueError("must be a moment from 2000 on with its offset (RFC 3339), such as 2026-06-20T10:15:00+08:00")
    return value


_DATE = re.compile(DATE_PATTERN)
_DATETIME = re.compile(DATETIME_PATTERN)

# A calendar day from 2000-01-01 to 2999-12-31.
Day = Annotated[dt.date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN})]
# A moment with its UTC offset, from the year 2000 on (as written).
Moment = Annotated[
    dt.datetime, BeforeValidator(_moment), WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN})
]


def _whole(value: Any) -> Any:
    # JSON Schema counts 90.0 as an integer; true and "90" are not numbers at all.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def integer(ge: int, le: int) -> Rules:
    """For `Annotated[int, ...]`: a JSON integer from `ge` to `le` (90.0 counts, as in JSON Schema); true and "90" are refused."""
    return Rules((Strict(), Ge(ge), Le(le), BeforeValidator(_whole)))


def number(ge: float, le: float) -> Rules:
    """For `Annotated[float, ...]`: a finite JSON number from `ge` to `le` (an integer will do); true and "1" are refused."""
    return Rules((Strict(), Ge(ge), Le(le), AllowInfNan(False)))


def keys_named(max_length: int) -> Any:
    """A `json_schema_extra` for a dict keyed by `Annotated[str, text(1, max_length)]`: pydantic states the key rule
    as patternProperties, which leaves longer or other keys allowed; propertyNames says it whole."""

    def rewrite(schema: dict[str, Any]) -> None:
        ((pattern, values),) = schema.pop("patternProperties").items()
        schema["propertyNames"] = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern}
        schema["additionalProperties"] = values

    return rewrite
