"""UTC instants for auth. Every public function takes `now` so tests move the clock."""

from __future__ import annotations

import datetime as dt

# China has had no daylight saving since 1991, so a fixed offset is exact and needs no tzdata.
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")


def utc(now: dt.datetime | None = None) -> dt.datetime:
    """`now` (naive means UTC) or the current time, as an aware UTC datetime."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    return aware(now)


def aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything auth writes is UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def beijing_time(value: dt.datetime) -> str:
    """How a time is shown to users: Beijing time, to the minute."""
    return aware(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
