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


def _on(
    connection: sa.Connection,
    table: sa.Table,
    key: str,
    day: dt.date,
    lifetime: tuple[str, str],
    columns: tuple[str, ...] | None = None,
    where: sa.ColumnElement[bool] | None = None,
) -> list[Version]:
    """The version of each key valid on `day` (its first when `day` is before it), alive on
    `day` by its `lifetime` columns (started on or before it, not ended): `columns` of it."""
    firsts = sa.select(
        table.c[key].label("key"), sa.func.min(table.c.valid_from).label("first")
    ).group_by(table.c[key])
    if where is not None:
        firsts = firsts.where(where)
    first = firsts.subquery()
    valid = sa.and_(
        table.c.valid_from <= day, sa.or_(table.c.valid_to.is_(None), table.c.valid_to > day)
    )
    early = sa.and_(table.c.valid_from == first.c.first, first.c.first > day)
    began, ended = (table.c[n] for n in lifetime)
    alive = sa.and_(sa.or_(began.is_(None), began <= day), sa.or_(ended.is_(None), ended > day))
    names = list(columns or [c.name for c in table.c])
    query = (
        sa.select(*(table.c[n] for n in names))
        .select_from(table.join(first, first.c.key == table.c[key]))
        .where(sa.or_(valid, early), alive)
    )
    if where is not None:
        query = query.where(where)
    return [dict(zip(names, row, strict=True)) for row in connection.execute(query)]


def _alive(row: Version | None, day: dt.date, began: str, ended: str) -> bool:
    if row is None:
        return False
    return (row[began] is None or row[began] <= day) and (row[ended] is None or row[ended] > day)


TREE_COLUMNS = ("staff_id", "name", "unit_id", "position", "manager_id")
UNIT_COLUMNS = ("unit_id", "parent_id", "unit_type", "name", "city")


def staff_on(
    connection: sa.Connection,
    day: dt.date,
    units: set[str] | None = None,
    also: set[str] | None = None,
    columns: tuple[str, ...] | None = None,
) -> dict[str, Version]:
    """The feed's staff as of `day`: hired on or before it and not gone; of `units` (and the
    members `also`) only when given; `columns` of them (default all)."""
    if not _has_versions(connection):
        every = [version_on(v, day) for v in staff_versions_of(connection).values()]
        kept = [r for r in every if r is not None and _alive(r, day, "hire_date", "leave_date")]
        if units is not None:
            kept = [r for r in kept if r["unit_id"] in units or r["staff_id"] in (also or ())]
        return {r["staff_id"]: r for r in kept}
    where = None
    if units is not None:
        where = sa.or_(
            staff_versions.c.unit_id.in_(sorted(units)),
            staff_versions.c.staff_id.in_(sorted(also or ())),
        )
    rows = _on(
        connection, staff_versions, "staff_id", day, ("hire_date", "leave_date"), columns, where
    )
    return {r["staff_id"]: r for r in rows}


def units_on(connection: sa.Connection, day: dt.date) -> dict[str, Version]:
    """The feed's org units as of `day`: opened on or before it and not closed."""
    has = connection.execute(sa.select(org_unit_versions.c.unit_id).limit(1)).first()
    if has is None:
        rows = [version_on(v, day) for v in unit_versions_of(connection).values()]
        return {
            r["unit_id"]: r
            for r in rows
            if r is not None and _alive(r, day, "open_date", "close_date")
        }
    found = _on(
        connection, org_unit_versions, "unit_id", day, ("open_date", "close_date"), UNIT_COLUMNS
    )
    return {r["unit_id"]: r for r in found}


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
