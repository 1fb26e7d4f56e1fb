"""A staff member's organisation history (issue 19 part A): hire, transfers between units,
manager changes, position and grade changes and departure, read from the feed's versions
(`staff_versions`), and the broker-tree changes approved in brokerlens (`tree_changes`).

Staff business is scoped by `access.staff_scope`: a member out of the reader's reach answers
404 like an unknown one (the staff page does the same)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.access.org_versions import Version, staff_versions_of
from brokerlens.access.staff_scope import check_staff
from brokerlens.auth.principal import Principal
from brokerlens.errors import NotFound
from brokerlens.store.brokers_tree_schema import tree_changes

# kind -> the field of a version whose change it is
FIELD_EVENTS = (
    ("transfer", "unit_id"),
    ("manager_change", "manager_id"),
    ("position_change", "position"),
    ("grade_change", "grade"),
)
EVENT_KINDS = (
    "hire",
    *(k for k, _ in FIELD_EVENTS),
    "departure",
    "tree_move",
    "tree_promote",
    "tree_remove",
)


@dataclass(frozen=True)
class OrgEvent:
    """One event: `before` / `after` are codes (unit, staff, position or grade) by kind."""

    day: dt.date | None
    kind: str  # EVENT_KINDS
    source: str  # feed | brokerlens
    before: str | None = None
    after: str | None = None
    request_id: int | None = None  # brokerlens: the approval that made it


@dataclass(frozen=True)
class StaffHistory:
    staff_id: str
    name: str
    unit_id: str
    position: str
    events: list[OrgEvent]


def feed_events(versions: list[Version]) -> list[OrgEvent]:
    """The events the feed's versions of one member tell, oldest first. A change between two
    deliveries is dated by the later delivery (the feed says no more)."""
    if not versions:
        return []
    first = versions[0]
    events = [OrgEvent(first["hire_date"], "hire", "feed", after=first["unit_id"])]
    for old, new in itertools.pairwise(versions):
        for kind, column in FIELD_EVENTS:
            if old[column] != new[column]:
                events.append(OrgEvent(new["valid_from"], kind, "feed", old[column], new[column]))
    left = next((v["leave_date"] for v in versions if v["leave_date"] is not None), None)
    if left is not None:
        events.append(OrgEvent(left, "departure", "feed", before=versions[-1]["unit_id"]))
    return events


def _tree_events(rows: list[Any]) -> list[OrgEvent]:
    events = []
    for row in rows:
        if row["op"] == "move":
            before, after = row["before_manager_id"], row["manager_id"]
        elif row["op"] == "promote":
            before, after = row["before_position"], row["position"]
        else:
            before, after = row["before_unit_id"], None
        events.append(
            OrgEvent(
                row["effective_from"],
                f"tree_{row['op']}",
                "brokerlens",
                before,
                after,
                int(row["request_id"]),
            )
        )
    return events


def staff_history(db: sa.Engine, principal: Principal, staff_id: str) -> StaffHistory:
    """The member's events, oldest first (undated ones first); 404 out of the reader's reach."""
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
        versions = staff_versions_of(connection, staff_id).get(staff_id, [])
        if not versions:
            raise NotFound(f"no staff member {staff_id[:32]!r}")
        rows = list(
            connection.execute(
                sa.select(tree_changes)
                .where(tree_changes.c.staff_id == staff_id)
                .order_by(tree_changes.c.change_id)
            ).mappings()
        )
    events = feed_events(versions) + _tree_events(rows)
    events.sort(key=lambda e: (e.day or dt.date.min, EVENT_KINDS.index(e.kind)))
    last = versions[-1]
    return StaffHistory(staff_id, last["name"], last["unit_id"], last["position"], events)
