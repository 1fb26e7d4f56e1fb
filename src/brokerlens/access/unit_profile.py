"""A unit's page (issue 19 part E): a team, branch or region (or head office) with its subtree
aggregated: the units below, its staff with their books, the unit's book as the run step
"staff book" kept it (a customer counted once however many of the unit's staff serve them),
alerts handled and the broker risk flags within it.

Scope: the unit's aggregate is shown to a principal whose staff reach (`staff_scope`) covers
every staff member of the unit's subtree and whose own units (`org.visible_units`) hold the
unit - a team lead their team, a branch or region manager their units, head office every unit;
anyone else gets 404 (403 for a role that sees no staff business). Audited (`unit_view`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.broker_risk import RiskView, risk_flags
from brokerlens.access.org import descendants, parents, visible_units
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.access.staff_profile import (
    AlertsHandled,
    Book,
    alerts_handled,
    cents,
    kept_for,
    read_book,
    read_rows,
)
from brokerlens.access.staff_scope import staff_reach
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.schema import org_units, staff

LEADING = ("branch_manager", "team_lead")


@dataclass(frozen=True)
class UnitRef:
    unit_id: str
    name: str
    unit_type: str


@dataclass(frozen=True)
class StaffLine:
    staff_id: str
    name: str
    position: str
    unit_id: str
    manager_id: str | None
    customers: int
    assets: Decimal
    flags: int


@dataclass(frozen=True)
class UnitPage:
    served: dt.date
    unit: UnitRef
    parent: UnitRef | None
    children: list[UnitRef]
    leaders: list[StaffLine]
    staff: list[StaffLine]
    book: Book | None
    alerts: AlertsHandled
    risk: RiskView


def _ref(row: sa.Row[tuple[object, ...]] | None) -> UnitRef | None:
    if row is None:
        return None
    return UnitRef(str(row.unit_id), str(row.name), str(row.unit_type))


def check_unit(connection: sa.Connection, principal: Principal, unit_id: str) -> set[str]:
    """The staff ids of the unit's subtree, if the principal may see its aggregate."""
    parent_of = parents(connection)
    if unit_id not in parent_of:
        raise NotFound(f"no unit {unit_id[:32]!r}")
    units = descendants(unit_id, parent_of)
    members = set(
        connection.execute(
            sa.select(staff.c.staff_id).where(staff.c.unit_id.in_(sorted(units)))
        ).scalars()
    )
    reach = staff_reach(connection, principal)
    if reach is None:
        return members
    if not reach:
        raise Forbidden(
            "this role sees no staff business (book, income, KPI)",
            hint="sign in as the unit's manager or head office",
        )
    visible, _ = visible_units(connection, principal)
    if unit_id not in visible or not members or not members <= reach:
        raise NotFound(f"no unit {unit_id[:32]!r} in your scope")
    return members


def _books(settings: Settings, served: dt.date, ids: set[str]) -> dict[str, tuple[int, Decimal]]:
    """(customers, assets) on the book's date of each staff member of `ids`."""
    path = kept_for(settings, "staff_book", served)
    if path is None or not ids:
        return {}
    rows = read_rows(
        path,
        "scope_kind = 'staff' AND section = 'tier' AND list_contains(?, scope_id)",
        [sorted(ids)],
    )
    out: dict[str, tuple[int, Decimal]] = {}
    for r in rows:
        n, assets = out.get(r["scope_id"], (0, Decimal(0)))
        out[r["scope_id"]] = (n + int(r["customers"]), assets + cents(r["amount_cents"]))
    return out


def unit_page(db: sa.Engine, settings: Settings, principal: Principal, unit_id: str) -> UnitPage:
    with db.connect() as connection:
        members = check_unit(connection, principal, unit_id)
        served = served_snapshot_on(connection).as_of_date
        unit = _ref(
            connection.execute(sa.select(org_units).where(org_units.c.unit_id == unit_id)).first()
        )
        assert unit is not None  # check_unit found it
        above = connection.execute(
            sa.select(org_units.c.parent_id).where(org_units.c.unit_id == unit_id)
        ).scalar()
        parent = (
            _ref(
                connection.execute(sa.select(org_units).where(org_units.c.unit_id == above)).first()
            )
            if above is not None
            else None
        )
        children = [
            UnitRef(str(r.unit_id), str(r.name), str(r.unit_type))
            for r in connection.execute(
                sa.select(org_units)
                .where(org_units.c.parent_id == unit_id)
                .order_by(org_units.c.unit_id)
            )
        ]
        people = (
            connection.execute(
                sa.select(staff)
                .where(staff.c.staff_id.in_(sorted(members)), staff.c.leave_date.is_(None))
                .order_by(staff.c.unit_id, staff.c.position, staff.c.staff_id)
            ).all()
            if members
            else []
        )
        handled = alerts_handled(connection, sorted(members))
    risk = risk_flags(db, settings, principal, within=frozenset(members))
    flags: dict[str, int] = {}
    for line in risk.flagged:
        flags[line.staff_id] = flags.get(line.staff_id, 0) + 1
    books = _books(settings, served, {str(p.staff_id) for p in people})
    lines = [
        StaffLine(
            staff_id=str(p.staff_id),
            name=str(p.name),
            position=str(p.position),
            unit_id=str(p.unit_id),
            manager_id=p.manager_id,
            customers=books.get(str(p.staff_id), (0, Decimal(0)))[0],
            assets=books.get(str(p.staff_id), (0, Decimal(0)))[1],
            flags=flags.get(str(p.staff_id), 0),
        )
        for p in people
    ]
    leaders = [s for s in lines if s.unit_id == unit_id and s.position in LEADING]
    audit_read(db, principal, "unit_view", [], {"unit_id": unit_id, "staff": len(members)})
    return UnitPage(
        served=served,
        unit=unit,
        parent=parent,
        children=children,
        leaders=leaders,
        staff=lines,
        book=read_book(settings, served, "unit", unit_id),
        alerts=handled,
        risk=risk,
    )
