"""Quarters (`2025Q1`) and the windows a quarterly model reads."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from brokerlens.errors import ConfigError
from brokerlens.market.calendar import trading_days
from brokerlens.warehouse.windows import months_back

_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The quarter's last calendar day."""
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)


def ended_by(day: dt.date) -> Quarter:
    """The newest quarter ended on or before `day` (the one a model for `day` is due for)."""
    current = Quarter.of(day)
    return current if current.end <= day else current.previous()


def parse_quarter(value: str, option: str = "--quarter") -> Quarter:
    """`2025Q1` -> Quarter; a clear error names the option otherwise."""
    match = _QUARTER.match(value.strip())
    if not match:
        raise ConfigError(
            f"{option} {value!r} is not a quarter", hint="write it as YYYYQn, e.g. 2025Q1"
        )
    return Quarter(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class QuarterWindows:
    """The dates one quarterly fit reads: 3 months of preference, 12 months of style."""

    quarter: Quarter
    as_of: dt.date  # the last loaded business date of the quarter
    start_3m: dt.date
    start_12m: dt.date
    quotes_from: dt.date  # 20 loaded days before start_3m (moving averages), or the first
    days: tuple[dt.date, ...]  # loaded business dates in [start_12m, as_of]

    @property
    def params(self) -> dict[str, dt.date]:
        return {
            "as_of": self.as_of,
            "start_3m": self.start_3m,
            "start_12m": self.start_12m,
            "quotes_from": self.quotes_from,
        }


def quarter_windows(quarter: Quarter, loaded: list[dt.date], *, partial: bool) -> QuarterWindows:
    """The windows of `quarter` over the loaded dates; the quarter must be complete unless
    `partial` (then it ends on its last loaded date)."""
    inside = [d for d in loaded if quarter.start <= d <= quarter.end]
    if not inside:
        span = (
            f"loaded dates run from {loaded[0]} to {loaded[-1]}" if loaded else "load dates first"
        )
        raise ConfigError(f"--quarter {quarter} has no loaded business date", hint=span)
    last_trading = trading_days(quarter.start, quarter.end)[-1]
    if inside[-1] != last_trading and not partial:
        raise ConfigError(
            f"--quarter {quarter} is not complete: the lake holds it up to {inside[-1]}, "
            f"its last trading day is {last_trading}",
            hint="load the rest of the quarter, or pass --partial to fit on the days loaded",
        )
    as_of = inside[-1]
    start_3m = quarter.start  # the quarter's 3 calendar months
    start_12m = months_back(quarter.start, 9)  # the 12 calendar months ending with the quarter
    before = [d for d in loaded if d < start_3m]
    quotes_from = before[-20] if len(before) >= 20 else (loaded[0] if loaded else start_3m)
    days = tuple(d for d in loaded if start_12m <= d <= as_of)
    return QuarterWindows(quarter, as_of, start_3m, start_12m, min(quotes_from, start_3m), days)
