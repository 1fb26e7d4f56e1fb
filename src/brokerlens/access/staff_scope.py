"""Which staff a principal may see the business of (issue 19): book, income, commission, KPI
scores, risk flags. The one place this is decided, like `scope` for customers.

- broker, advisor: themselves;
- team lead: themselves, the staff of their unit and everyone below them in the broker tree;
- branch / region manager: the staff of the units they manage and the units below;
- head office marketing and compliance: everyone;
- the call centre and the administrator: nobody (they see no staff business).
"""

from __future__ import annotations

import sqlalchemy as sa

from brokerlens.access.org import descendants, parents
from brokerlens.auth.principal import Principal, Role
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.schema import staff

ALL_STAFF_ROLES = frozenset({Role.HQ_MARKETING, Role.COMPLIANCE})

StaffReach = frozenset[str] | None  # None: every staff member


def reports_below(connection: sa.Connection, staff_id: str) -> set[str]:
    """Everyone below `staff_id` in the broker tree (`manager_id`), at any depth."""
    below: dict[str, list[str]] = {}
    for row in connection.execute(sa.select(staff.c.staff_id, staff.c.manager_id)):
        if row.manager_id is not None:
            below.setdefault(str(row.manager_id), []).append(str(row.staff_id))
    found: set[str] = set()
    todo = list(below.get(staff_id, []))
    while todo:
        member = todo.pop()
        if member not in found:
            found.add(member)
            todo.extend(below.get(member, []))
    return found


def staff_reach(connection: sa.Connection, principal: Principal) -> StaffReach:
    """The staff ids `principal` may see the business of (None: all). Empty: nobody."""
    role = principal.role
    if role in ALL_STAFF_ROLES:
        return None
    if role in (Role.BROKER, Role.ADVISOR):
        return frozenset({principal.staff_id}) if principal.staff_id else frozenset()
    if role is Role.TEAM_LEAD:
        if not principal.staff_id:
            return frozenset()
        unit = connection.execute(
            sa.select(staff.c.unit_id).where(staff.c.staff_id == principal.staff_id)
        ).scalar()
        team = (
            set(
                connection.execute(
                    sa.select(staff.c.staff_id).where(staff.c.unit_id == unit)
                ).scalars()
            )
            if unit is not None
            else set()
        )
        return frozenset(
            team | reports_below(connection, principal.staff_id) | {principal.staff_id}
        )
    if role in (Role.BRANCH_MANAGER, Role.REGION_MANAGER) and principal.unit_id:
        units = descendants(principal.unit_id, parents(connection))
        return frozenset(
            connection.execute(
                sa.select(staff.c.staff_id).where(staff.c.unit_id.in_(sorted(units)))
            ).scalars()
        )
    return frozenset()


def check_staff(connection: sa.Connection, principal: Principal, staff_id: str) -> None:
    """Refuse (404, so an id outside scope reveals nothing) a staff member out of reach."""
    reach = staff_reach(connection, principal)
    if reach is not None and staff_id not in reach:
        if not reach:
            raise Forbidden(
                "this role sees no staff business (book, income, KPI)",
                hint="sign in as the staff member, their manager or head office",
            )
        raise NotFound(f"no staff member {staff_id[:32]!r} in your scope")


def staff_clause(
    principal_reach: StaffReach, column: sa.ColumnElement[str]
) -> sa.ColumnElement[bool]:
    """A predicate over a staff id column for a reach (true for all when None)."""
    if principal_reach is None:
        return sa.true()
    if not principal_reach:
        return sa.false()
    return column.in_(sorted(principal_reach))
