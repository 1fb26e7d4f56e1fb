"""The quarter a model is due for on a date: the newest one ended by then."""

from __future__ import annotations

import datetime as dt

import pytest

from brokerlens.riskpref.quarter import Quarter, ended_by


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (dt.date(2025, 8, 28), Quarter(2025, 2)),
        (dt.date(2025, 9, 30), Quarter(2025, 3)),  # the quarter's last day: it has ended
        (dt.date(2025, 9, 29), Quarter(2025, 2)),
        (dt.date(2026, 1, 5), Quarter(2025, 4)),
        (dt.date(2025, 2, 1), Quarter(2024, 4)),
    ],
)
def test_the_newest_quarter_ended_by_a_date(day: dt.date, due: Quarter) -> None:
    assert ended_by(day) == due
