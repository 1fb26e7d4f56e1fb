"""Who is assigned which required training and when they finished it: the one definition the
completion figures (`access.training_results`) and the KPI metric `training_completion` share.

A staff member in the staff table, not left by `today`, is assigned every published course and
exam whose audience they are in (`audience.in_audience`'s rule). An item is due on its due
date, or without one on the day it was published (Beijing). A course is done on the day it was
completed (studied, or its exam passed); an exam on the day of the first attempt that passed.
Archived and draft items are nobody's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import pyarrow as pa
import sqlalchemy as sa

from brokerlens.brokers.training.audience import beijing_day, unit_chain
from brokerlens.store.schema import org_units, staff
from brokerlens.store.training_schema import (
    training_attempts,
    training_completions,
    training_courses,
    training_exams,
)

ITEMS_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("item", pa.string()),  # course:<id> or exam:<id>
        ("due_on", pa.date32()),
        ("done_on", pa.date32()),
    ]
)


@dataclass(frozen=True)
class StaffRow:
    staff_id: str
    name: str
    unit_id: str
    position: str
    sac_cert_no: str | None


class Assignment(NamedTuple):
    """One staff member's assignment of one published item (a named tuple: there are a staff
    count times an item count of them)."""

    staff_id: str
    kind: str  # course, exam
    item_id: int
    item: str  # course:<id> or exam:<id>
    title: str
    required: bool
    due_on: dt.date
    done_on: dt.date | None
    attempted: bool  # an exam sat at least once (a course: done)


def active_staff(connection: sa.Connection, today: dt.date) -> list[StaffRow]:
    rows = connection.execute(
        sa.select(
            staff.c.staff_id, staff.c.name, staff.c.unit_id, staff.c.position, staff.c.sac_cert_no
        )
        .where(sa.or_(staff.c.leave_date.is_(None), staff.c.leave_date > today))
        .order_by(staff.c.staff_id)
    )
    return [StaffRow(*row) for row in rows]


def unit_parents(connection: sa.Connection) -> dict[str, str | None]:
    return {
        str(r.unit_id): r.parent_id
        for r in connection.execute(sa.select(org_units.c.unit_id, org_units.c.parent_id))
    }


def _published(connection: sa.Connection, table: sa.Table, key: str) -> list[Any]:
    return list(
        connection.execute(
            sa.select(
                table.c[key].label("item_id"),
                table.c.title,
                table.c.required,
                table.c.audience_positions,
                table.c.audience_unit_id,
                table.c.due_date,
                table.c.published_at,
            )
            .where(table.c.status == "published")
            .order_by(table.c[key])
        )
    )


def _course_done(connection: sa.Connection) -> dict[tuple[int, str], dt.date]:
    c = training_completions
    rows = connection.execute(sa.select(c.c.course_id, c.c.staff_id, c.c.completed_at))
    return {(r.course_id, r.staff_id): beijing_day(r.completed_at) for r in rows}


def _exam_done(
    connection: sa.Connection,
) -> tuple[dict[tuple[int, str], dt.date], set[tuple[int, str]]]:
    a = training_attempts
    passed: dict[tuple[int, str], dt.date] = {}
    sat: set[tuple[int, str]] = set()
    rows = connection.execute(
        sa.select(a.c.exam_id, a.c.staff_id, a.c.passed, a.c.submitted_at).where(
            a.c.status != "in_progress"
        )
    )
    for r in rows:
        key = (r.exam_id, r.staff_id)
        sat.add(key)
        if r.passed and r.submitted_at is not None:
            day = beijing_day(r.submitted_at)
            passed[key] = min(day, passed.get(key, day))
    return passed, sat


def assignments(
    connection: sa.Connection,
    today: dt.date,
    *,
    required_only: bool = False,
    people: Iterable[StaffRow] | None = None,
) -> list[Assignment]:
    """Every (staff member, published item) assignment, `people` or every active staff member."""
    members = list(people) if people is not None else active_staff(connection, today)
    parents = unit_parents(connection)
    # each unit's chain upwards once (the audience test of every item for every staff member)
    chains = {u: frozenset(unit_chain(u, parents)) for u in {m.unit_id for m in members}}
    course_done = _course_done(connection)
    exam_done, sat = _exam_done(connection)
    out: list[Assignment] = []
    for kind, table, key in (
        ("course", training_courses, "course_id"),
        ("exam", training_exams, "exam_id"),
    ):
        done = course_done if kind == "course" else exam_done
        for item in _published(connection, table, key):
            if required_only and not item.required:
                continue
            published = beijing_day(item.published_at) if item.published_at else today
            due = item.due_date or published
            positions = set(item.audience_positions or [])
            unit = item.audience_unit_id
            head = (kind, item.item_id, f"{kind}:{item.item_id}", item.title, bool(item.required))
            for m in members:
                if (positions and m.position not in positions) or (
                    unit is not None and unit not in chains[m.unit_id]
                ):
                    continue
                finished = done.get((item.item_id, m.staff_id))
                tried = finished is not None or (
                    kind == "exam" and (item.item_id, m.staff_id) in sat
                )
                out.append(Assignment(m.staff_id, *head, due, finished, tried))
    return out


def items_table(connection: sa.Connection, today: dt.date) -> pa.Table:
    """The required assignments as the KPI metric reads them (`kpi_training`)."""
    found = assignments(connection, today, required_only=True)
    columns = {
        "staff_id": [a.staff_id for a in found],
        "item": [a.item for a in found],
        "due_on": [a.due_on for a in found],
        "done_on": [a.done_on for a in found],
    }
    return pa.table(columns, schema=ITEMS_SCHEMA)


def empty_items() -> pa.Table:
    return ITEMS_SCHEMA.empty_table()
