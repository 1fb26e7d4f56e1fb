"""The feed's organisation as of a date, from the versions publish keeps
(`org_unit_versions`, `staff_versions`; issue 19 part A). No customer data: no scope beyond the
callers' units, no audit.

On a date before the lake's first delivery the first version stands (the organisation existed
before the lake began); staff not hired yet or gone (`leave_date` on or before the date) and
units closed by then are left out. A store published before these tables existed (or built by
hand) has no versions: its `org_units` and `staff` rows then stand for every date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.errors import NotFound
from brokerlens.store.brokers_tree_schema import org_unit_versions, staff_versions
from brokerlens.store.schema import org_units, staff

Version = dict[str, Any]


def today(connection: sa.Connection) -> dt.date:
    """The workbench's today: the served snapshot's as-of date (the calendar's before any)."""
    try:
        return served_snapshot_on(connection).as_of_date
    except NotFound:
        return dt.date.today()


def _by_key(rows: Iterable[Any], key: str) -> dict[str, list[Version]]:
    found: dict[str, list[Version]] = {}
    for row in rows:
        found.setdefault(str(row[key]), []).append(dict(row))
    for versions in found.values():
        versions.sort(key=lambda v: v["valid_from"])
    return found


def staff_versions_of(
    connection: sa.Connection, staff_id: str | None = None
) -> dict[str, list[Version]]:
    """Every version of every staff member (or one), oldest first."""
    query = sa.select(staff_versions)
    if staff_id is not None:
        query = query.where(staff_versions.c.staff_id == staff_id)
    found = _by_key(connection.execute(query).mappings(), "staff_id")
    if found or _has_versions(connection):
        return found
    query = sa.select(staff)
    if staff_id is not None:
        query = query.where(staff.c.staff_id == staff_id)
    rows = [
        {**r, "valid_from": dt.date.min, "valid_to": None}
        for r in connection.execute(query).mappings()
    ]
    return _by_key(rows, "staff_id")


def _has_versions(connection: sa.Connection) -> bool:
    return connection.execute(sa.select(staff_versions.c.staff_id).limit(1)).first() is not None


def unit_versions_of(connection: sa.Connection) -> dict[str, list[Version]]:
    found = _by_key(connection.execute(sa.select(org_unit_versions)).mappings(), "unit_id")
    if found:
        return found
    rows = [
        {**r, "valid_from": dt.date.min, "valid_to": None}
        for r in connection.execute(sa.select(org_units)).mappings()
    ]
    return _by_key(rows, "unit_id")


def version_on(versions: list[Version], day: dt.date) -> Version | None:
    """The version valid on `day`; the first one when `day` is before every delivery."""
    if not versions:
        return None
    if day < versions[0]["valid_from"]:
        return versions[0]
    for version in versions:
        if version["valid_from"] <= day and (
            version["valid_to"] is None or version["valid_to"] > day
        ):
            return version
    return None


def staff_on(connection: sa.Connection, day: dt.date) -> dict[str, Version]:
    """The feed's staff as of `day`: hired on or before it and not gone."""
    found: dict[str, Version] = {}
    for staff_id, versions in staff_versions_of(connection).items():
        row = version_on(versions, day)
        if row is None:
            continue
        if row["hire_date"] is not None and row["hire_date"] > day:
            continue
        if row["leave_date"] is not None and row["leave_date"] <= day:
            continue
        found[staff_id] = row
    return found


def units_on(connection: sa.Connection, day: dt.date) -> dict[str, Version]:
    """The feed's org units as of `day`: opened on or before it and not closed."""
    found: dict[str, Version] = {}
    for unit_id, versions in unit_versions_of(connection).items():
        row = version_on(versions, day)
        if row is None:
            continue
        if row["open_date"] is not None and row["open_date"] > day:
            continue
        if row["close_date"] is not None and row["close_date"] <= day:
            continue
        found[unit_id] = row
    return found


def branch_of(unit_id: str | None, units: dict[str, Version]) -> str | None:
    """The branch (营业部) a unit is or lies in, walking up the parents (cycles cut)."""
    seen: set[str] = set()
    current = unit_id
    while current is not None and current not in seen:
        seen.add(current)
        row = units.get(current)
        if row is None:
            return None
        if row["unit_type"] == "branch":
            return current
        current = row["parent_id"]
    return None
