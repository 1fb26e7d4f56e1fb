"""The organisation as a principal may see it: the unit tree and its staff (no customer data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from brokerlens.access.org_versions import staff_on, units_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, STAFF_ROLES, Principal, Role
from brokerlens.errors import NotFound
from brokerlens.store.schema import org_units, staff


@dataclass(frozen=True)
class OrgUnit:
    """A unit of the tree with its staff count and the units below it the principal may see."""

    unit_id: str
    parent_id: str | None
    unit_type: str
    name: str
    city: str | None
    staff_count: int
    children: list[OrgUnit] = field(default_factory=list)


@dataclass(frozen=True)
class StaffMember:
    """A staff record with its unit's name."""

    staff_id: str
    name: str
    unit_id: str
    position: str
    manager_id: str | None
    hire_date: dt.date | None
    leave_date: dt.date | None
    sac_cert_no: str | None
    grade: str | None
    unit_name: str | None


def principal_unit(connection: sa.Connection, principal: Principal) -> str | None:
    """The unit a principal belongs to: their own (managers) or their staff record's."""
    if principal.unit_id:
        return principal.unit_id
    if principal.role in STAFF_ROLES and principal.staff_id:
        unit = connection.execute(
            sa.select(staff.c.unit_id).where(staff.c.staff_id == principal.staff_id)
        ).scalar()
        return str(unit) if unit is not None else None
    return None


def parents(connection: sa.Connection) -> dict[str, str | None]:
    rows = connection.execute(sa.select(org_units.c.unit_id, org_units.c.parent_id))
    return {str(r.unit_id): r.parent_id for r in rows}


def ancestors(unit_id: str, parent_of: dict[str, str | None]) -> list[str]:
    """The unit and every unit above it, nearest first (cycles cut)."""
    chain: list[str] = []
    current: str | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parent_of.get(current)
    return chain


def descendants(unit_id: str, parent_of: dict[str, str | None]) -> set[str]:
    children: dict[str, list[str]] = {}
    for unit, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(unit)
    found, todo = set(), [unit_id]
    while todo:
        unit = todo.pop()
        if unit in found:
            continue
        found.add(unit)
        todo.extend(children.get(unit, []))
    return found


def visible_units(
    connection: sa.Connection,
    principal: Principal,
    parent_of: dict[str, str | None] | None = None,
) -> tuple[set[str], set[str]]:
    """(visible units, roots of the visible subtrees); over `parent_of` (the units as of a
    date) when given, else the store's units."""
    if parent_of is None:
        parent_of = parents(connection)
    if principal.role in ALL_CUSTOMER_ROLES or principal.role is Role.ADMIN:
        roots = {u for u, p in parent_of.items() if p is None or p not in parent_of}
        return set(parent_of), roots
    unit = principal_unit(connection, principal)
    if unit is None or unit not in parent_of:
        return set(), set()
    return descendants(unit, parent_of), {unit}


def org_tree(db: sa.Engine, principal: Principal, as_of: dt.date | None = None) -> list[OrgUnit]:
    """The unit tree cut to what the principal may see: the root units, each with its
    `children`; as the feed had it on `as_of` when given (issue 19)."""
    if as_of is not None:
        return _org_tree_on(db, principal, as_of)
    with db.connect() as connection:
        units, roots = visible_units(connection, principal)
        if not units:
            return []
        rows = connection.execute(sa.select(org_units).order_by(org_units.c.unit_id)).mappings()
        counts: dict[str, int] = dict(
            connection.execute(
                sa.select(staff.c.unit_id, sa.func.count()).group_by(staff.c.unit_id)
            ).all()
        )
    nodes: dict[str, OrgUnit] = {}
    for row in rows:
        if row["unit_id"] in units:
            nodes[row["unit_id"]] = OrgUnit(
                unit_id=row["unit_id"],
                parent_id=row["parent_id"],
                unit_type=row["unit_type"],
                name=row["name"],
                city=row["city"],
                staff_count=int(counts.get(row["unit_id"], 0)),
            )
    for unit_id, node in nodes.items():
        parent = node.parent_id
        if unit_id not in roots and parent in nodes:
            nodes[parent].children.append(node)
    return [nodes[r] for r in sorted(roots) if r in nodes]


def _org_tree_on(db: sa.Engine, principal: Principal, day: dt.date) -> list[OrgUnit]:
    with db.connect() as connection:
        rows = units_on(connection, day)
        units, roots = visible_units(
            connection, principal, {u: r["parent_id"] for u, r in rows.items()}
        )
        counts: dict[str, int] = {}
        for member in staff_on(connection, day, columns=("staff_id", "unit_id")).values():
            counts[member["unit_id"]] = counts.get(member["unit_id"], 0) + 1
    nodes = {
        u: OrgUnit(
            unit_id=u,
            parent_id=r["parent_id"],
            unit_type=r["unit_type"],
            name=r["name"],
            city=r["city"],
            staff_count=counts.get(u, 0),
        )
        for u, r in sorted(rows.items())
        if u in units
    }
    for unit_id, node in nodes.items():
        if unit_id not in roots and node.parent_id in nodes:
            nodes[node.parent_id].children.append(node)
    return [nodes[r] for r in sorted(roots) if r in nodes]


def list_staff(
    db: sa.Engine, principal: Principal, unit_id: str | None = None
) -> list[StaffMember]:
    """Staff in the units the principal may see (or under `unit_id`, which must be visible)."""
    with db.connect() as connection:
        units, _ = visible_units(connection, principal)
        if unit_id is not None:
            if unit_id not in units:
                raise NotFound(f"no unit {unit_id[:64]!r}")
            units = descendants(unit_id, parents(connection)) & units
        if not units:
            return []
        everyone = unit_id is None and (
            principal.role in ALL_CUSTOMER_ROLES or principal.role is Role.ADMIN
        )
        # The whole firm: no list of every unit as bound parameters.
        where = [] if everyone else [staff.c.unit_id.in_(sorted(units))]
        rows = connection.execute(
            sa.select(staff, org_units.c.name.label("unit_name"))
            .select_from(staff.outerjoin(org_units, org_units.c.unit_id == staff.c.unit_id))
            .where(*where)
            .order_by(staff.c.unit_id, staff.c.staff_id)
        ).mappings()
        return [StaffMember(**r) for r in rows]


@dataclass(frozen=True)
class OrgNames:
    """Unit and staff names by code, so pages show 朝阳营业部 rather than U00007.

    Organisation data, not customer data: no scope or audit applies (the tree page shows it)."""

    units: dict[str, str]
    staff: dict[str, str]

    def unit(self, code: object) -> str | None:
        return self.units.get(str(code)) if code is not None else None

    def person(self, code: object) -> str | None:
        return self.staff.get(str(code)) if code is not None else None


def org_names(db: sa.Engine) -> OrgNames:
    with db.connect() as connection:
        units = connection.execute(sa.select(org_units.c.unit_id, org_units.c.name))
        unit_names = {str(r.unit_id): str(r.name) for r in units}
        people = connection.execute(sa.select(staff.c.staff_id, staff.c.name))
        staff_names = {str(r.staff_id): str(r.name) for r in people}
    return OrgNames(unit_names, staff_names)
