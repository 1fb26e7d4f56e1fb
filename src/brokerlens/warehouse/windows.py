"""The calendar of one as-of computation: every window's dates, worked out once in Python.

Windows count calendar months back from T ("the last 3 months" ending 2025-05-20 starts on
2025-02-21). Where the lake's history starts inside a window, the window is clipped to it: a
return then runs from the first loaded day, a mean counts only loaded days.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

EPOCH = dt.date(1970, 1, 1)


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier, clamped to that month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Window:
    """Business dates [start, end]; complete months [months_from, months_to) come pre-summed."""

    name: str
    start: dt.date
    end: dt.date
    months_from: dt.date
    months_to: dt.date

    @property
    def params(self) -> dict[str, dt.date]:
        return {
            "start": self.start,
            "end": self.end,
            "months_from": self.months_from,
            "months_to": self.months_to,
        }


def make_window(name: str, start: dt.date, end: dt.date) -> Window:
    """A window whose whole calendar months inside [start, end] are read from month sums."""
    first = start if start.day == 1 else next_month(start)
    last = month_start(end + dt.timedelta(days=1))  # exclusive: the month of end+1 day
    if first >= last:
        first = last = month_start(start)  # no complete month: an empty month range
    return Window(name, start, end, first, last)


@dataclass
class AsOfCalendar:
    as_of: dt.date
    days: list[dt.date]  # loaded business dates <= as_of, ascending
    windows: dict[str, Window] = field(default_factory=dict)
    params: dict[str, dt.date | int | float | str] = field(default_factory=dict)

    def day_before(self, start: dt.date) -> dt.date:
        """The last loaded day before `start`, or the first loaded day when history starts later."""
        i = bisect.bisect_left(self.days, start)
        return self.days[i - 1] if i > 0 else self.days[0]

    def last_on_or_before(self, day: dt.date) -> dt.date:
        i = bisect.bisect_right(self.days, day)
        return self.days[i - 1] if i > 0 else self.days[0]

    def complete_months(self) -> list[dt.date]:
        """Month starts read from month sums by some window, that have loaded days."""
        loaded = {month_start(d) for d in self.days}
        wanted: set[dt.date] = set()
        for w in self.windows.values():
            m = w.months_from
            while m < w.months_to:
                wanted.add(m)
                m = next_month(m)
        return sorted(wanted & loaded)

    def needed_days(self) -> list[dt.date]:
        """Loaded days read one by one: window edges outside complete months, and point days."""
        needed = {self.as_of}
        for w in self.windows.values():
            for d in self.days:
                inside = w.start <= d <= w.end
                if inside and not (w.months_from <= d < w.months_to):
                    needed.add(d)
        for key, value in self.params.items():
            if key.startswith("return_") and isinstance(value, dt.date):
                needed.add(value)
        loaded = set(self.days)
        return sorted(needed & loaded)


def as_of_calendar(
    as_of: dt.date, loaded: list[dt.date], index_id: str = "000001.SH"
) -> AsOfCalendar:
    days = sorted(d for d in loaded if d <= as_of)
    if not days or days[-1] != as_of:
        raise ValueError(f"{as_of} is not a loaded business date")
    cal = AsOfCalendar(as_of, days)
    start_3m = months_back(as_of, 3) + dt.timedelta(days=1)
    start_6m = months_back(as_of, 6) + dt.timedelta(days=1)
    start_12m = months_back(as_of, 12) + dt.timedelta(days=1)
    start_ytd = dt.date(as_of.year, 1, 1)
    last_year = (dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31))
    end_last_month = month_start(as_of) - dt.timedelta(days=1)
    start_last_month = month_start(end_last_month)
    r3, r6, ry = cal.day_before(start_3m), cal.day_before(start_6m), cal.day_before(start_ytd)
    rm_start = cal.day_before(start_last_month)
    rm_end = max(cal.last_on_or_before(end_last_month), rm_start)
    one = dt.timedelta(days=1)
    for w in (
        make_window("window_3m", start_3m, as_of),
        make_window("window_ytd", start_ytd, as_of),
        make_window("window_last_year", *last_year),
        make_window("window_12m", start_12m, as_of),
        make_window("window_prev_12m", months_back(as_of, 24) + one, start_12m - one),
        make_window("window_last_month", start_last_month, end_last_month),
        make_window("window_all", days[0], as_of),
        make_window("window_return_3m", r3 + one, as_of),
        make_window("window_return_6m", r6 + one, as_of),
        make_window("window_return_ytd", ry + one, as_of),
        make_window("window_return_month", rm_start + one, rm_end),
    ):
        cal.windows[w.name] = w
    start_20d = days[max(0, len(days) - 20)]
    cal.params = {
        "as_of": as_of,
        "index_id": index_id,
        "start_3m": start_3m,
        "start_6m": start_6m,
        "start_ytd": start_ytd,
        "start_last_year": last_year[0],
        "end_last_year": last_year[1],
        "start_last_month": start_last_month,
        "end_last_month": end_last_month,
        "weeks_last_month": ((end_last_month - start_last_month).days + 1) / 7,
        "start_20d": start_20d,
        "return_start_3m": r3,
        "return_start_6m": r6,
        "return_start_ytd": ry,
        "return_start_month": rm_start,
        "return_end_month": rm_end,
        "epoch_start_3m": (r3 - EPOCH).days,
        "epoch_start_6m": (r6 - EPOCH).days,
        "days_3m": max((as_of - r3).days, 1),
        "days_6m": max((as_of - r6).days, 1),
    }
    return cal
