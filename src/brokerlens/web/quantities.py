"""Amounts and percentages as people type them into a filter: "100万", "1.5亿", "2,000,000",
"50%", "-10%" -> an exact Decimal.

An amount is in 元 (万 = 10^4, 亿 = 10^8, 千 = 10^3; a trailing 元 is allowed). A percentage
field takes its number in percent (a trailing % is allowed) and answers the ratio the data keeps
(50 or 50% -> 0.5). Full-width digits and signs (５０％) and Chinese commas are accepted.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

Unit = Literal["amount", "percent"]

_MULTIPLIERS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(千|万|亿|万亿)?(元)?(%)?$")
MAX_DIGITS = 30  # a value longer than this is a typo, not an amount


class QuantityError(ValueError):
    """The text is not an amount (or percentage) of the expected unit."""


def parse_amount(text: str, unit: Unit = "amount") -> Decimal:
    """The exact value of `text`; raises QuantityError when it is not one.

    unit "amount": 元, with 千/万/亿 ("100万" -> 1000000, "1.5亿" -> 150000000); a % is refused.
    unit "percent": the number is percent ("50%" or "50" -> 0.5, "-10%" -> -0.1); 万/亿 refused.
    """
    plain = unicodedata.normalize("NFKC", text or "").strip()
    plain = re.sub(r"[\s,，_]", "", plain).replace("−", "-")
    if not plain or len(plain) > MAX_DIGITS:
        raise QuantityError(text)
    match = _NUMBER.match(plain)
    if match is None:
        raise QuantityError(text)
    number, scale, yuan, percent = match.groups()
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise QuantityError(text) from None
    if unit == "percent":
        if scale or yuan:
            raise QuantityError(text)
        return value / 100
    if percent:
        raise QuantityError(text)
    if scale == "万亿":
        return value * _MULTIPLIERS["万"] * _MULTIPLIERS["亿"]
    if scale:
        value *= _MULTIPLIERS[scale]
    return value


def plain_number(value: Decimal) -> str:
    """A Decimal as a plain decimal string for a filter (no exponent): 1E+6 -> "1000000"."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
