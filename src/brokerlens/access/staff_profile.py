"""A staff member's page (issue 19 part E): who they are (position, unit, manager and reports,
tenure, certificate, grade), their book as the run step "staff book" kept it for the served
date, the alerts they handled and their broker risk measures.

Scope is `staff_scope` (a staff member out of reach: 404; a role that sees no staff business:
403). The figures are aggregates of customers, never a customer's data; each page view is
audited (`staff_view`) with the staff id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.columnar import query_file
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.access.staff_scope import check_staff
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.store.alerts_schema import alert_actions
from brokerlens.store.schema import org_units, staff, users
from brokerlens.warehouse.served import Kind, kept_file, newest_date, parquet_source

HANDLED_STATUSES = ("acknowledged", "handled", "dismissed")


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str
    position: str
    unit_id: str


@dataclass(frozen=True)
class StaffHeader:
    staff_id: str
    name: str
    position: str
    unit_id: str
    unit_name: str | None
    manager: Person | None
    reports: list[Person]
    hire_date: dt.date | None
    leave_date: dt.date | None
    sac_cert_no: str | None
    grade: str | None
    tenure_years: float | None  # to the served date (or the leave date)


@dataclass(frozen=True)
class TierLine:
    tier: str
    customers: int
    assets: Decimal


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    customers: int
    assets: Decimal


@dataclass(frozen=True)
class FlowMonth:
    month: dt.date
    gained: int = 0
    lost: int = 0
    closed: int = 0


@dataclass(frozen=True)
class ContactLine:
    purpose: str
    result: str
    contacts: int
    customers: int


@dataclass(frozen=True)
class Book:
    """What the staff book file says of one scope (a staff member or a unit) on `as_of_date`."""

    as_of_date: dt.date
    tiers: list[TierLine] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    flow: list[FlowMonth] = field(default_factory=list)
    contacts: list[ContactLine] = field(default_factory=list)

    @property
    def customers(self) -> int:
        return sum(t.customers for t in self.tiers)

    @property
    def assets(self) -> Decimal:
        return sum((t.assets for t in self.tiers), Decimal(0))

    @property
    def contacts_made(self) -> int:
        return sum(c.contacts for c in self.contacts)

    def chart(self, names: tuple[str, str]) -> dict[str, Any]:
        """The trend for the `line` chart of app.js: assets (yuan) by date."""
        return {
            "dates": [p.day.isoformat() for p in self.trend],
            "series": [{"name": names[0], "values": [float(p.assets) for p in self.trend]}],
        }


@dataclass(frozen=True)
class AlertsHandled:
    by_status: dict[str, int]  # every status change the staff member's users made

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def cents(value: int | None) -> Decimal:
    """Integer cents as yuan (a missing amount: 0)."""
    return Decimal(value) / 100 if value is not None else Decimal(0)


def _person(row: Any) -> Person:
    return Person(str(row.staff_id), str(row.name), str(row.position), str(row.unit_id))


def tenure(hire: dt.date | None, leave: dt.date | None, today: dt.date) -> float | None:
    if hire is None:
        return None
    end = min(leave, today) if leave is not None else today
    return round(max((end - hire).days, 0) / 365.25, 1)


def staff_header(connection: sa.Connection, staff_id: str, today: dt.date) -> StaffHeader:
    row = connection.execute(
        sa.select(staff, org_units.c.name.label("unit_name"))
        .select_from(staff.outerjoin(org_units, org_units.c.unit_id == staff.c.unit_id))
        .where(staff.c.staff_id == staff_id)
    ).first()
    if row is None:
        raise NotFound(f"no staff member {staff_id[:32]!r}")
    manager = None
    if row.manager_id is not None:
        found = connection.execute(sa.select(staff).where(staff.c.staff_id == row.manager_id))
        above = found.first()
        manager = _person(above) if above is not None else None
    reports = [
        _person(r)
        for r in connection.execute(
            sa.select(staff)
            .where(staff.c.manager_id == staff_id, staff.c.leave_date.is_(None))
            .order_by(staff.c.position, staff.c.staff_id)
        )
    ]
    return StaffHeader(
        staff_id=str(row.staff_id),
        name=str(row.name),
        position=str(row.position),
        unit_id=str(row.unit_id),
        unit_name=row.unit_name,
        manager=manager,
        reports=reports,
        hire_date=row.hire_date,
        leave_date=row.leave_date,
        sac_cert_no=row.sac_cert_no,
        grade=row.grade,
        tenure_years=tenure(row.hire_date, row.leave_date, today),
    )


def kept_for(settings: Settings, kind: Kind, served: dt.date) -> Path | None:
    """The kept file of `kind` for the served date, or the newest one before it."""
    day = newest_date(settings, kind, served)
    return kept_file(settings, kind, day) if day is not None else None


def read_rows(path: Path, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows of a kept file matching `where` (our own SQL, values bound)."""
    sql = f"SELECT * FROM {parquet_source(path)} WHERE {where}"
    return query_file(str(path), sql, params)


def read_book(settings: Settings, served: dt.date, scope_kind: str, scope_id: str) -> Book | None:
    """The book of one scope from the kept staff book (None: no run kept one)."""
    day = newest_date(settings, "staff_book", served)
    path = kept_file(settings, "staff_book", day) if day is not None else None
    if day is None or path is None:
        return None
    rows = read_rows(path, "scope_kind = ? AND scope_id = ?", [scope_kind, scope_id])
    return book_from_rows(day, rows)


def book_from_rows(day: dt.date, rows: list[dict[str, Any]]) -> Book:
    book = Book(as_of_date=day)
    flows: dict[dt.date, dict[str, int]] = {}
    for r in rows:
        section = r["section"]
        if section == "tier":
            book.tiers.append(TierLine(r["item"], int(r["customers"]), cents(r["amount_cents"])))
        elif section == "trend":
            book.trend.append(TrendPoint(r["day"], int(r["customers"]), cents(r["amount_cents"])))
        elif section in ("gained", "lost", "closed"):
            flows.setdefault(r["day"], {})[section] = int(r["customers"])
        elif section == "contacts":
            book.contacts.append(
                ContactLine(r["item"], r["sub_item"], int(r["n"]), int(r["customers"]))
            )
    book.tiers.sort(key=lambda t: -t.assets)
    book.trend.sort(key=lambda p: p.day)
    book.contacts.sort(key=lambda c: (c.purpose, c.result))
    book.flow.extend(FlowMonth(month, **counts) for month, counts in sorted(flows.items()))
    return book


def alerts_handled(connection: sa.Connection, staff_ids: list[str]) -> AlertsHandled:
    """Alert status changes made by the users who are these staff members."""
    names = sa.select(users.c.username).where(users.c.staff_id.in_(staff_ids))
    rows = connection.execute(
        sa.select(alert_actions.c.to_status, sa.func.count())
        .where(
            alert_actions.c.username.in_(names),
            alert_actions.c.to_status.in_(HANDLED_STATUSES),
        )
        .group_by(alert_actions.c.to_status)
    ).all()
    found = {str(status): int(n) for status, n in rows}
    return AlertsHandled({s: found.get(s, 0) for s in HANDLED_STATUSES})


@dataclass(frozen=True)
class StaffPage:
    served: dt.date
    header: StaffHeader


def staff_page(db: sa.Engine, principal: Principal, staff_id: str) -> StaffPage:
    """Who the staff member is (the page's head; the sections load as slots). Audited."""
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
        served = served_snapshot_on(connection).as_of_date
        header = staff_header(connection, staff_id, served)
    audit_read(db, principal, "staff_view", [], {"staff_id": staff_id})
    return StaffPage(served, header)


@dataclass(frozen=True)
class BookSlot:
    served: dt.date
    book: Book | None
    alerts: AlertsHandled


def staff_book(db: sa.Engine, settings: Settings, principal: Principal, staff_id: str) -> BookSlot:
    """The staff member's book, service activity and alerts handled (in scope). Audited
    (`staff_view`, section book)."""
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
        served = served_snapshot_on(connection).as_of_date
        handled = alerts_handled(connection, [staff_id])
    audit_read(db, principal, "staff_view", [], {"staff_id": staff_id, "section": "book"})
    return BookSlot(served, read_book(settings, served, "staff", staff_id), handled)
