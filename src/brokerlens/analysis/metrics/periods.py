"""The periods the metrics are computed over as of T, worked out once in Python.

Four periods, each with what it is compared with:
- `day`: T; compared with the previous loaded business day (`day_prev`, 环比).
- `week`: the week to date (from Monday); compared with the previous week to the same weekday
  (`week_prev`, 周环比), so on the week's last trading day the two whole weeks.
- `month`: the month to date; compared with the previous month to the same day (`month_prev`,
  环比) and the same month of last year to the same day (`month_ly`, 同比).
- `year`: the year to date; compared with last year to the same day (`year_ly`, 同比).
A comparison period is kept only when the lake holds every trading day of it (a number over half
a month is not the month's); the current periods start no earlier than the lake's first day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from brokerlens.errors import CalendarError
from brokerlens.market.calendar import trading_days
from brokerlens.warehouse.windows import make_window, month_start, months_back

CURRENT = ("day", "week", "month", "year")
COMPARED = {
    "day": ("day_prev",),
    "week": ("week_prev",),
    "month": ("month_prev", "month_ly"),
    "year": ("year_ly",),
}
PERIODS = (
    "day",
    "day_prev",
    "week",
    "week_prev",
    "month",
    "month_prev",
    "month_ly",
    "year",
    "year_ly",
)


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date  # first calendar day summed
    end: dt.date  # last calendar day summed
    stock_day: dt.date  # the loaded day the period's end values (assets, customers) are of
    months_from: dt.date  # complete months [months_from, months_to) read from month sums
    months_to: dt.date

    def days(self, loaded: list[dt.date]) -> list[dt.date]:
        """The loaded days read one by one (outside the complete months), and the stock day."""
        inside = [
            d
            for d in loaded
            if self.start <= d <= self.end and not (self.months_from <= d < self.months_to)
        ]
        return sorted({*inside, self.stock_day})

    def months(self) -> list[dt.date]:
        found, m = [], self.months_from
        while m < self.months_to:
            found.append(m)
            m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return found


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week (the SSE trades Monday to Friday)."""
    return day - dt.timedelta(days=day.weekday())


def _covered(start: dt.date, end: dt.date, loaded: set[dt.date]) -> bool:
    """Every trading day of [start, end] is loaded (and there is one)."""
    try:
        wanted = trading_days(start, end)
    except CalendarError:
        return False
    return bool(wanted) and all(d in loaded for d in wanted)


def _period(name: str, start: dt.date, end: dt.date, loaded: list[dt.date]) -> Period | None:
    days = [d for d in loaded if start <= d <= end]
    if not days:
        return None
    window = make_window(name, start, end)
    return Period(name, start, end, days[-1], window.months_from, window.months_to)


def periods_as_of(as_of: dt.date, loaded: list[dt.date]) -> list[Period]:
    """The periods of T that the lake can give, current ones first."""
    days = sorted(d for d in loaded if d <= as_of)
    if not days or days[-1] != as_of:
        raise ValueError(f"{as_of} is not a loaded business date")
    first, have = days[0], set(days)
    found: list[Period | None] = [
        _period("day", as_of, as_of, days),
        _period("week", max(week_start(as_of), first), as_of, days),
        _period("month", max(month_start(as_of), first), as_of, days),
        _period("year", max(dt.date(as_of.year, 1, 1), first), as_of, days),
    ]
    if len(days) > 1:
        found.append(_period("day_prev", days[-2], days[-2], days))
    month_ago, year_ago = months_back(as_of, 1), months_back(as_of, 12)
    week_ago = as_of - dt.timedelta(days=7)
    for name, start, end in (
        ("week_prev", week_start(week_ago), week_ago),
        ("month_prev", month_start(month_ago), month_ago),
        ("month_ly", month_start(year_ago), year_ago),
        ("year_ly", dt.date(year_ago.year, 1, 1), year_ago),
    ):
        if _covered(start, end, have):
            found.append(_period(name, start, end, days))
    return [p for p in found if p is not None]


@dataclass(frozen=True)
class Segments:
    """The days and complete months the periods read, grouped by which periods read them."""

    days: pa.Table  # biz_date, segment
    months: pa.Table  # month_start, segment
    periods: pa.Table  # segment, period


def segments(periods: list[Period], loaded: list[dt.date]) -> Segments:
    """Each day read day by day, and each complete month, in the segment of the periods that
    read it so; the SQL sums a segment once and adds the segments up per period."""
    day_sets: dict[dt.date, tuple[str, ...]] = {}
    month_sets: dict[dt.date, tuple[str, ...]] = {}
    for p in periods:
        for d in p.days(loaded):
            if p.months_from <= d < p.months_to:
                continue  # the stock day inside a complete month: summed from the month's sums
            day_sets[d] = (*day_sets.get(d, ()), p.name)
        for m in p.months():
            month_sets[m] = (*month_sets.get(m, ()), p.name)
    ids: dict[tuple[str, tuple[str, ...]], str] = {}
    for kind, found in (("d", day_sets), ("m", month_sets)):
        for names in found.values():
            ids.setdefault((kind, names), f"{kind}{len(ids)}")
    pairs = sorted({(sid, name) for (_, names), sid in ids.items() for name in names})
    return Segments(
        days=pa.table(
            {
                "biz_date": pa.array(sorted(day_sets), pa.date32()),
                "segment": pa.array([ids[("d", day_sets[d])] for d in sorted(day_sets)]),
            }
        ),
        months=pa.table(
            {
                "month_start": pa.array(sorted(month_sets), pa.date32()),
                "segment": pa.array([ids[("m", month_sets[m])] for m in sorted(month_sets)]),
            }
        ),
        periods=pa.table(
            {
                "segment": pa.array([s for s, _ in pairs], pa.string()),
                "period": pa.array([n for _, n in pairs], pa.string()),
            }
        ),
    )


def periods_table(periods: list[Period]) -> pa.Table:
    """`metric_periods`: the periods as the SQL reads them."""
    return pa.table(
        {
            "period": pa.array([p.name for p in periods], pa.string()),
            "start_day": pa.array([p.start for p in periods], pa.date32()),
            "end_day": pa.array([p.end for p in periods], pa.date32()),
            "stock_day": pa.array([p.stock_day for p in periods], pa.date32()),
            "months_from": pa.array([p.months_from for p in periods], pa.date32()),
            "months_to": pa.array([p.months_to for p in periods], pa.date32()),
        }
    )
