"""Who a course or an exam is for: staff of some positions (none named: every position) in a
unit and the units below it (none named: the whole brokerage); and the day a stored instant
falls on in Beijing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from brokerlens.brokers.tree.levels import LEVELS, POSITION_ZH

POSITIONS = tuple(POSITION_ZH)  # the staff feed's positions
# Positions that serve clients and need the SAC qualification (the broker tree's positions).
CLIENT_FACING = tuple(LEVELS)
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")  # no daylight saving since 1991


def beijing_day(value: dt.datetime) -> dt.date:
    """The Beijing date of a stored instant (SQLite hands back naive UTC)."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING).date()


def unit_chain(unit_id: str | None, parent_of: Mapping[str, str | None]) -> list[str]:
    """The unit and every unit above it, nearest first (a circle cut)."""
    chain: list[str] = []
    current = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain


def in_audience(
    positions: Sequence[str],
    unit_id: str | None,
    staff_position: str | None,
    staff_unit: str | None,
    parent_of: Mapping[str, str | None],
) -> bool:
    if positions and staff_position not in positions:
        return False
    return unit_id is None or unit_id in unit_chain(staff_unit, parent_of)


def unit_of_type(
    unit_id: str | None,
    unit_type: str,
    parent_of: Mapping[str, str | None],
    types: Mapping[str, str],
) -> str | None:
    """The unit itself or the nearest above it of `unit_type` (branch, team, region)."""
    return next((u for u in unit_chain(unit_id, parent_of) if types.get(u) == unit_type), None)
