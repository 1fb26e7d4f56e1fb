"""How long compliance records are kept: call-back and complaint records at least 3 years
(2010 rules). A row's `keep_until` is set when it is made; the store refuses to delete it
before (a trigger), and so does the service."""

from __future__ import annotations

import datetime as dt


def keep_until(day: dt.date, years: int) -> dt.date:
    """`years` after `day` (29 February kept as 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
