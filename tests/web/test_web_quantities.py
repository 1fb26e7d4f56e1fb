"""Amounts and percentages as typed into the list's range filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from brokerlens.web.quantities import QuantityError, parse_amount, plain_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("100万", Decimal(1_000_000)),
        ("1.5亿", Decimal(150_000_000)),
        ("2,000,000", Decimal(2_000_000)),
        ("2，000，000元", Decimal(2_000_000)),
        (" 100000 ", Decimal(100_000)),
        ("３０万", Decimal(300_000)),  # full-width digits
        ("-5万", Decimal(-50_000)),
        ("0.5千", Decimal(500)),
        ("12.34", Decimal("12.34")),
        ("1万亿", Decimal(10**12)),
    ],
)
def test_amounts(text: str, value: Decimal) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("50%", Decimal("0.5")),
        ("50", Decimal("0.5")),
        ("-10%", Decimal("-0.1")),
        ("５％", Decimal("0.05")),
    ],
)
def test_percentages_answer_the_ratio_kept(text: str, value: Decimal) -> None:
    assert parse_amount(text, "percent") == value


@pytest.mark.parametrize(
    "text", ["abc", "100x", "", "1.2.3", "万", "--5", "1e6", "9" * 40, "50%万"]
)
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_amount(text)


def test_a_percentage_is_not_an_amount_and_back() -> None:
    with pytest.raises(QuantityError):
        parse_amount("50%")  # an amount field
    with pytest.raises(QuantityError):
        parse_amount("5万", "percent")


def test_plain_number_has_no_exponent() -> None:
    assert plain_number(parse_amount("100万")) == "1000000"
    assert plain_number(parse_amount("1.5亿")) == "150000000"
    assert plain_number(parse_amount("-10%", "percent")) == "-0.1"
