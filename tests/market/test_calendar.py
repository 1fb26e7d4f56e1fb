import datetime as dt

import pytest

from brokerlens.errors import CalendarError
from brokerlens.market.calendar import (
    is_trading_day,
    missing_between,
    next_trading_days,
    previous_trading_day,
    trading_days,
)


def test_spring_festival_2025_is_closed() -> None:
    # The SSE closed from 2025-01-28 to 2025-02-04 for the Spring Festival.
    days = trading_days(dt.date(2025, 1, 27), dt.date(2025, 2, 6))
    assert days == (dt.date(2025, 1, 27), dt.date(2025, 2, 5), dt.date(2025, 2, 6))
    assert not is_trading_day(dt.date(2025, 1, 29))


def test_weekends_and_national_day_are_closed() -> None:
    assert not is_trading_day(dt.date(2025, 1, 4))  # Saturday
    assert not is_trading_day(dt.date(2025, 10, 1))
    assert is_trading_day(dt.date(2025, 1, 2))


def test_next_and_previous() -> None:
    assert next_trading_days(dt.date(2025, 1, 1), 2) == (dt.date(2025, 1, 2), dt.date(2025, 1, 3))
    assert previous_trading_day(dt.date(2025, 1, 6)) == dt.date(2025, 1, 3)


def test_missing_between_names_the_gap() -> None:
    assert missing_between(dt.date(2025, 1, 2), dt.date(2025, 1, 7)) == (
        dt.date(2025, 1, 3),
        dt.date(2025, 1, 6),
    )
    assert missing_between(dt.date(2025, 1, 3), dt.date(2025, 1, 6)) == ()


def test_outside_the_calendar_is_a_clear_error() -> None:
    with pytest.raises(CalendarError, match="outside the known SSE calendar"):
        trading_days(dt.date(1990, 1, 1), dt.date(1990, 2, 1))
