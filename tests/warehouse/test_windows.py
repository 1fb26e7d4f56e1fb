"""How an as-of date's windows are dated."""

from __future__ import annotations

import datetime as dt

import pytest

from brokerlens.market.calendar import trading_days
from brokerlens.warehouse.windows import as_of_calendar, make_window, months_back

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2025, 5, 20), 3, D(2025, 2, 20)),
        (D(2025, 5, 31), 3, D(2025, 2, 28)),  # clamped to the month's last day
        (D(2024, 5, 31), 3, D(2024, 2, 29)),
        (D(2025, 1, 15), 1, D(2024, 12, 15)),
        (D(2025, 3, 10), 24, D(2023, 3, 10)),
    ],
)
def test_months_back(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_back(day, months) == expected


def test_a_window_reads_whole_months_from_month_sums_and_the_edges_by_day() -> None:
    w = make_window("w", D(2025, 2, 21), D(2025, 5, 20))
    assert (w.months_from, w.months_to) == (D(2025, 3, 1), D(2025, 5, 1))
    inside_a_month = make_window("w", D(2025, 5, 2), D(2025, 5, 20))
    assert inside_a_month.months_from == inside_a_month.months_to  # no whole month
    whole_year = make_window("w", D(2024, 1, 1), D(2024, 12, 31))
    assert (whole_year.months_from, whole_year.months_to) == (D(2024, 1, 1), D(2025, 1, 1))


def test_calendar_of_an_as_of_date() -> None:
    days = trading_days(D(2025, 1, 2), D(2025, 5, 20))
    cal = as_of_calendar(D(2025, 5, 20), days)
    p = cal.params
    assert p["start_3m"] == D(2025, 2, 21)
    assert (p["start_last_month"], p["end_last_month"]) == (D(2025, 4, 1), D(2025, 4, 30))
    assert p["return_start_3m"] == D(2025, 2, 20)  # the close before the window opens
    assert p["return_start_6m"] == D(2025, 1, 2)  # clipped to the first loaded day
    assert p["return_end_month"] == D(2025, 4, 30)
    assert p["start_20d"] == days[-20]
    assert p["weeks_last_month"] == pytest.approx(30 / 7)
    assert cal.complete_months() == [D(2025, m, 1) for m in (1, 2, 3, 4)]
    # days read one by one: the 3-month window's edges outside whole months, and T
    needed = cal.needed_days()
    assert D(2025, 2, 21) in needed and D(2025, 5, 20) in needed
    assert D(2025, 3, 14) not in needed


def test_an_unloaded_as_of_date_is_refused() -> None:
    with pytest.raises(ValueError, match="not a loaded business date"):
        as_of_calendar(D(2025, 5, 21), trading_days(D(2025, 1, 2), D(2025, 5, 20)))
