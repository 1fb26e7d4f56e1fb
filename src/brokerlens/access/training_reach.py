"""Who manages which training, and who takes it (issue 23 section 3): the one place these are
decided for courses, the question bank and exams.

Managing needs the `manage_training` permission (head office marketing, branch and region
managers by default). A user anchored on no unit (head office) manages everything; a user
anchored on a unit (a manager's own, or their staff record's) manages what is owned by that unit
or a unit below it, and gives their courses and exams an audience inside it. What a user
creates is owned by their unit (NULL: head office).

Taking a course or an exam needs a staff record: the signed-in user's `staff_id`, in the staff
table and not left. Who sees whose results is the staff scope of `access.staff_scope`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from brokerlens.access.org import descendants, parents, principal_unit
from brokerlens.auth.principal import Permission, Principal
from brokerlens.brokers.training.audience import POSITIONS, in_audience
from brokerlens.brokers.training.items import StaffRow
from brokerlens.errors import FieldRejected, Forbidden, NotFound
from brokerlens.store.schema import org_units, staff

TITLE_MAX = 200
TEXT_MAX = 5000


class TrainingRejected(FieldRejected):
    """A field of a course, question, exam or answer sheet is unusable (422)."""


Managed = frozenset[str] | None  # None: everything (head office)
RowLike = Mapping[str, Any] | sa.RowMapping  # a row as `.mappings()` gives it


def managed_units(connection: sa.Connection, principal: Principal) -> Managed:
    """The units whose training `principal` manages (None: all); Forbidden without the
    permission."""
    if not principal.can(Permission.MANAGE_TRAINING):
        raise Forbidden(
            "managing training needs the manage_training permission",
            hint="ask head office or an administrator if your work needs it",
        )
    unit = principal_unit(connection, principal)
    if unit is None:
        return None
    return frozenset(descendants(unit, parents(connection)))


def may_manage(connection: sa.Connection, principal: Principal, owner: str | None) -> bool:
    """Whether `principal` manages an item owned by `owner` (False without the permission)."""
    if not principal.can(Permission.MANAGE_TRAINING):
        return False
    managed = managed_units(connection, principal)
    return managed is None or owner in managed


def owner_of(connection: sa.Connection, principal: Principal) -> str | None:
    """The unit owning what `principal` creates (None: head office)."""
    managed_units(connection, principal)
    return principal_unit(connection, principal)


def check_managed(
    connection: sa.Connection, principal: Principal, owner_unit_id: str | None, what: str
) -> None:
    """Refuse (403) a change to an item owned outside the principal's units."""
    managed = managed_units(connection, principal)
    if managed is not None and owner_unit_id not in managed:
        owner = "head office" if owner_unit_id is None else "another unit"
        raise Forbidden(
            f"this {what} is managed by {owner}",
            hint="ask its owner to change it",
        )


def managed_clause(managed: Managed, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    if managed is None:
        return sa.true()
    return column.in_(sorted(managed)) if managed else sa.false()


def check_audience(
    connection: sa.Connection,
    principal: Principal,
    positions: Sequence[str],
    unit_id: str | None,
) -> tuple[list[str], str | None]:
    """The audience as stored: known positions, an existing unit the principal manages (a unit
    manager must name one)."""
    unknown = [p for p in positions if p not in POSITIONS]
    if unknown:
        raise TrainingRejected(
            "audience_positions", f"{unknown[0][:32]!r} is not one of {', '.join(POSITIONS)}"
        )
    managed = managed_units(connection, principal)
    if unit_id is not None:
        known = connection.execute(
            sa.select(org_units.c.unit_id).where(org_units.c.unit_id == unit_id)
        ).scalar()
        if known is None or (managed is not None and unit_id not in managed):
            raise TrainingRejected("audience_unit_id", f"no unit {unit_id[:32]!r} you manage")
    elif managed is not None:
        raise TrainingRejected(
            "audience_unit_id", "name one of your units (the whole brokerage is head office's)"
        )
    return sorted(set(positions), key=POSITIONS.index), unit_id


def my_staff(connection: sa.Connection, principal: Principal, today: dt.date) -> StaffRow:
    """The signed-in user's staff record (not left), or Forbidden: taking training needs one."""
    if principal.staff_id:
        for member in active_staff_of(connection, [principal.staff_id], today):
            return member
    raise Forbidden(
        "your account is not linked to a staff member, so it takes no courses or exams",
        hint="courses and exams are taken by staff (brokers, advisors, team leads ...)",
    )


def active_staff_of(
    connection: sa.Connection, staff_ids: Sequence[str], today: dt.date
) -> list[StaffRow]:
    rows = connection.execute(
        sa.select(
            staff.c.staff_id, staff.c.name, staff.c.unit_id, staff.c.position, staff.c.sac_cert_no
        ).where(
            staff.c.staff_id.in_(list(staff_ids)),
            sa.or_(staff.c.leave_date.is_(None), staff.c.leave_date > today),
        )
    )
    return [StaffRow(*row) for row in rows]


def is_for(
    connection: sa.Connection,
    item: Any,
    member: StaffRow,
    parent_of: Mapping[str, str | None] | None = None,
) -> bool:
    """Whether a course or exam row's audience takes in the staff member (over `parent_of`,
    the unit tree, when the caller read it already)."""
    return in_audience(
        item.audience_positions or [],
        item.audience_unit_id,
        member.position,
        member.unit_id,
        parent_of if parent_of is not None else parents(connection),
    )


def not_found(what: str, item_id: int) -> NotFound:
    return NotFound(f"no {what} {item_id} for you")


def text_field(value: object, name: str, most: int, *, required: bool = False) -> str | None:
    """A text field stripped: None when empty (refused when required), refused when too long."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise TrainingRejected(name, "required")
        return None
    if len(text) > most:
        raise TrainingRejected(name, f"{len(text)} characters, at most {most}")
    return text


def stamp(principal: Principal, at: dt.datetime, *, created: bool = False) -> dict[str, Any]:
    """Who changed a row and when (and made it, for a new row)."""
    values: dict[str, Any] = {"updated_by": principal.username, "updated_at": at}
    if created:
        values |= {"created_by": principal.username, "created_at": at}
    return values
