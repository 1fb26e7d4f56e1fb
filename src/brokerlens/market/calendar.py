"""The Shanghai Stock Exchange trading calendar (exchange_calendars' XSHG)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from brokerlens.errors import CalendarError

CALENDAR_CODE = "XSHG"


@lru_cache(maxsize=1)
def _calendar() -> Any:
    import exchange_calendars as xc  # noqa: PLC0415  (heavy: loaded when first used)

    return xc.get_calendar(CALENDAR_CODE)


def calendar_bounds() -> tuple[dt.date, dt.date]:
    cal = _calendar()
    return cal.first_session.date(), cal.last_session.date()


def _check_bounds(day: dt.date) -> None:
    first, last = calendar_bounds()
    if not first <= day <= last:
        raise CalendarError(
            f"{day} is outside the known SSE calendar ({first} .. {last})",
            hint="pick dates inside it, or upgrade exchange-calendars for later years",
        )


@lru_cache(maxsize=64)
def trading_days(start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """Trading days from start to end, both inclusive."""
    _check_bounds(start)
    _check_bounds(end)
    sessions = _calendar().sessions_in_range(start.isoformat(), end.isoformat())
    return tuple(ts.date() for ts in sessions)


def is_trading_day(day: dt.date) -> bool:
    _check_bounds(day)
    return bool(_calendar().is_session(day.isoformat()))


def next_trading_days(start: dt.date, count: int) -> tuple[dt.date, ...]:
    """The first `count` trading days on or after start."""
    _check_bounds(start)
    cal = _calendar()
    first = cal.date_to_session(start.isoformat(), direction="next")
    sessions = cal.sessions_window(first, count)
    days = tuple(ts.date() for ts in sessions)
    if len(days) < count:
        raise CalendarError(f"the SSE calendar has fewer than {count} trading days after {start}")
    return days


def previous_trading_day(day: dt.date) -> dt.date:
    """The last trading day strictly before day."""
    _check_bounds(day)
    cal = _calendar()
    earlier = day - dt.timedelta(days=1)
    _check_bounds(earlier)
    return cal.date_to_session(earlier.isoformat(), direction="previous").date()


def missing_between(earlier: dt.date, later: dt.date) -> tuple[dt.date, ...]:
    """Trading days strictly between two dates: the gap a delivery would skip."""
    if later <= earlier:
        return ()
    return tuple(d for d in trading_days(earlier, later) if earlier < d < later)
