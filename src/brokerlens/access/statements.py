"""佣金分成: monthly commission statements as a principal may see them (issue 19 section 3).

A month's lines come from the run's kept file (`brokers/income`: the preview, month to date)
until the month is settled; from then on from the store (`commission_lines`: the settled lines
and the approved adjusting entries), never from the file again. Lines are staff business:
`staff_scope` decides whose lines a reader sees (a broker their own, a manager their staff,
head office and compliance all, including the NULL-staff lines of income nobody holds). Every
read is audited (`statement_view`, `statement_export`, `staff_income_view`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.exports import Exported, RowSink, export_name
from brokerlens.access.staff_scope import StaffReach, check_staff, staff_reach
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import FieldRejected, Forbidden, NotFound
from brokerlens.store.brokers_statements_schema import (
    INCOME_KINDS,
    STATEMENT_ROLES,
    commission_lines,
    commission_periods,
)
from brokerlens.store.schema import org_units, staff
from brokerlens.warehouse.served import kept_dates, kept_file

Status = Literal["preview", "complete", "settled"]
By = Literal["staff", "unit"]
EXPORT_BY: tuple[By, ...] = ("staff", "unit")
LINE_COLUMNS = ("staff_id", "unit_id", "role", "income_kind", "amount_cents", "customers")


class StatementRejected(FieldRejected):
    """A statement request's field is unusable (422); `field` names it."""


def parse_month(text: str | None, field_name: str = "month") -> dt.date:
    """`YYYY-MM` (or a date in the month) -> the month's first day."""
    value = (text or "").strip()
    try:
        if len(value) == 7:
            return dt.date.fromisoformat(value + "-01")
        return dt.date.fromisoformat(value).replace(day=1)
    except ValueError:
        raise StatementRejected(
            field_name, f"{value[:20]!r} is not a month", hint="write it as YYYY-MM, e.g. 2025-03"
        ) from None


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def cents_to_yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Line:
    staff_id: str | None
    unit_id: str | None
    role: str
    income_kind: str
    amount_cents: int
    customers: int
    entry: str = "preview"  # preview, settled, adjustment
    request_id: int | None = None
    staff_name: str | None = None
    unit_name: str | None = None

    @property
    def amount(self) -> Decimal:
        return cents_to_yuan(self.amount_cents)


@dataclass(frozen=True)
class Period:
    month: dt.date
    status: Status
    through: dt.date | None
    commission_cents: int  # the customers' income of the month (each role adds up to it)
    product_fee_cents: int
    settled_by: str | None = None
    settled_at: dt.datetime | None = None

    @property
    def commission(self) -> Decimal:
        return cents_to_yuan(self.commission_cents)

    @property
    def product_fee(self) -> Decimal:
        return cents_to_yuan(self.product_fee_cents)


@dataclass(frozen=True)
class Total:
    """One staff member's or unit's sum over roles and kinds."""

    key: str | None
    name: str | None
    unit_id: str | None
    cents: dict[tuple[str, str], int] = field(default_factory=dict)  # (role, kind) -> cents
    customers: int = 0

    def get(self, role: str, kind: str) -> Decimal:
        return cents_to_yuan(self.cents.get((role, kind), 0))

    @property
    def total_cents(self) -> int:
        return sum(self.cents.values())

    @property
    def total(self) -> Decimal:
        return cents_to_yuan(self.total_cents)


@dataclass(frozen=True)
class Statement:
    period: Period
    lines: list[Line]
    whole: bool  # the reader sees every line (head office, compliance)

    def totals(self, by: By = "staff") -> list[Total]:
        groups: dict[str | None, list[Line]] = defaultdict(list)
        for line in self.lines:
            groups[line.staff_id if by == "staff" else line.unit_id].append(line)
        found = []
        for key, lines in groups.items():
            cents: dict[tuple[str, str], int] = defaultdict(int)
            for line in lines:
                cents[(line.role, line.income_kind)] += line.amount_cents
            first = lines[0]
            name = first.staff_name if by == "staff" else first.unit_name
            most = max(line.customers for line in lines)
            found.append(Total(key, name, first.unit_id, dict(cents), most))
        return sorted(found, key=lambda t: (t.key is None, -t.total_cents, t.key or ""))

    def role_sums(self) -> dict[tuple[str, str], int]:
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for line in self.lines:
            sums[(line.role, line.income_kind)] += line.amount_cents
        return dict(sums)


# --- reading ----------------------------------------------------------------------------------


def _file_lines(settings: Settings, month: dt.date) -> tuple[list[Line], dt.date | None]:
    path = kept_file(settings, "statements", month)
    if path is None:
        return [], None
    table = pq.read_table(path, columns=[*LINE_COLUMNS, "through"])
    rows = table.to_pylist()
    through = rows[0]["through"] if rows else None
    lines = [Line(**{k: r[k] for k in LINE_COLUMNS}) for r in rows]
    return lines, through


def _store_lines(connection: sa.Connection, month: dt.date) -> list[Line]:
    rows = connection.execute(
        sa.select(commission_lines)
        .where(commission_lines.c.month == month)
        .order_by(commission_lines.c.line_id)
    ).mappings()
    return [
        Line(
            staff_id=r["staff_id"],
            unit_id=r["unit_id"],
            role=r["role"],
            income_kind=r["income_kind"],
            amount_cents=int(r["amount_cents"]),
            customers=int(r["customers"]),
            entry=r["entry"],
            request_id=r["request_id"],
        )
        for r in rows
    ]


def _settled(connection: sa.Connection, month: dt.date) -> sa.RowMapping | None:
    return (
        connection.execute(sa.select(commission_periods).where(commission_periods.c.month == month))
        .mappings()
        .first()
    )


def income_totals(lines: Iterable[Line]) -> tuple[int, int]:
    """The month's income (commission, product fees) from its lines: one role's sum."""
    commission = sum(
        x.amount_cents for x in lines if x.role == "developer" and x.income_kind == "commission"
    )
    fees = sum(
        x.amount_cents for x in lines if x.role == "developer" and x.income_kind == "product_fee"
    )
    return commission, fees


def period_of(
    settings: Settings, connection: sa.Connection, month: dt.date
) -> tuple[Period, list[Line]]:
    """The month's state and all its lines (settled: the store's; else the kept file's)."""
    settled = _settled(connection, month)
    if settled is not None:
        lines = _store_lines(connection, month)
        period = Period(
            month=month,
            status="settled",
            through=settled["through"],
            commission_cents=int(settled["commission_cents"]),
            product_fee_cents=int(settled["product_fee_cents"]),
            settled_by=settled["settled_by"],
            settled_at=settled["settled_at"],
        )
        return period, lines
    lines, through = _file_lines(settings, month)
    if through is None and not lines:
        raise NotFound(
            f"no statements of {month:%Y-%m}",
            hint="brokerlens run computes the month of its date (see brokerlens statements list)",
        )
    commission, fees = income_totals(lines)
    status: Status = "complete" if through == month_end(month) else "preview"
    return Period(month, status, through, commission, fees), lines


def _named(connection: sa.Connection, lines: list[Line]) -> list[Line]:
    people = {
        str(r.staff_id): str(r.name)
        for r in connection.execute(sa.select(staff.c.staff_id, staff.c.name))
    }
    units = {
        str(r.unit_id): str(r.name)
        for r in connection.execute(sa.select(org_units.c.unit_id, org_units.c.name))
    }
    return [
        Line(
            **{k: getattr(x, k) for k in (*LINE_COLUMNS, "entry", "request_id")},
            staff_name=people.get(x.staff_id or ""),
            unit_name=units.get(x.unit_id or ""),
        )
        for x in lines
    ]


def _reach(connection: sa.Connection, principal: Principal) -> StaffReach:
    reach = staff_reach(connection, principal)
    if reach is not None and not reach:
        raise Forbidden(
            "this role sees no staff business (commission statements)",
            hint="sign in as the staff member, their manager or head office",
        )
    return reach


def visible(lines: Iterable[Line], reach: StaffReach) -> list[Line]:
    """The lines of staff in reach (the NULL-staff lines only for whoever sees everyone)."""
    if reach is None:
        return list(lines)
    return [x for x in lines if x.staff_id is not None and x.staff_id in reach]


def list_months(settings: Settings, db: sa.Engine, principal: Principal) -> list[Period]:
    """Every month with statements (kept or settled), newest first; audited `statement_view`
    (the months' totals only)."""
    with db.begin() as connection:
        _reach(connection, principal)
        settled = set(connection.execute(sa.select(commission_periods.c.month)).scalars())
        months = sorted(set(kept_dates(settings, "statements")) | settled, reverse=True)
        found = []
        for month in months:
            try:
                found.append(period_of(settings, connection, month)[0])
            except NotFound:  # a kept month without a line (no income at all)
                continue
        record_audit(connection, principal, "statement_view", [], {"months": len(found)})
        return found


def get_statement(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    month: dt.date,
    *,
    staff_id: str | None = None,
    unit_id: str | None = None,
) -> Statement:
    """The month's lines the reader may see (optionally one staff member's or one unit's);
    audited `statement_view`."""
    with db.begin() as connection:
        reach = _reach(connection, principal)
        if staff_id is not None:
            check_staff(connection, principal, staff_id)
        period, lines = period_of(settings, connection, month)
        shown = visible(lines, reach)
        if staff_id is not None:
            shown = [x for x in shown if x.staff_id == staff_id]
        if unit_id is not None:
            shown = [x for x in shown if x.unit_id == unit_id]
        detail: dict[str, Any] = {"month": month.isoformat(), "lines": len(shown)}
        if staff_id:
            detail["staff_id"] = staff_id
        record_audit(connection, principal, "statement_view", [], detail)
        return Statement(period, _named(connection, shown), whole=reach is None)


@dataclass(frozen=True)
class IncomeMonth:
    """One staff member's income and commission in a month: their lines' sums."""

    month: dt.date
    status: Status
    through: dt.date | None
    cents: dict[tuple[str, str], int]
    customers: int

    def get(self, role: str, kind: str) -> Decimal:
        return cents_to_yuan(self.cents.get((role, kind), 0))

    @property
    def commission(self) -> Decimal:
        return cents_to_yuan(sum(c for (_, k), c in self.cents.items() if k == "commission"))

    @property
    def product_fee(self) -> Decimal:
        return cents_to_yuan(sum(c for (_, k), c in self.cents.items() if k == "product_fee"))

    @property
    def total(self) -> Decimal:
        return cents_to_yuan(sum(self.cents.values()))


def _own_month(
    settings: Settings, connection: sa.Connection, month: dt.date, settled: bool, staff_id: str
) -> IncomeMonth | None:
    """One staff member's lines of a month, read for them alone (a file's rows filtered)."""
    if settled:
        period, lines = period_of(settings, connection, month)
        own = [x for x in lines if x.staff_id == staff_id]
        status, through = period.status, period.through
    else:
        path = kept_file(settings, "statements", month)
        if path is None:
            return None
        table = pq.read_table(path, columns=[*LINE_COLUMNS, "through"])
        if table.num_rows == 0:
            return None
        through = table.column("through")[0].as_py()
        status = "complete" if through == month_end(month) else "preview"
        mine = table.filter(pc.equal(table.column("staff_id"), staff_id)).to_pylist()
        own = [Line(**{k: r[k] for k in LINE_COLUMNS}) for r in mine]
    cents: dict[tuple[str, str], int] = defaultdict(int)
    for line in own:
        cents[(line.role, line.income_kind)] += line.amount_cents
    most = max((x.customers for x in own), default=0)
    return IncomeMonth(month, status, through, dict(cents), most)


def staff_income(
    settings: Settings, db: sa.Engine, principal: Principal, staff_id: str, *, months: int = 12
) -> list[IncomeMonth]:
    """A staff member's income and commission by month, newest first (the staff page's slot);
    out of scope answers like the page (404). Audited `staff_income_view`."""
    found = []
    with db.begin() as connection:
        check_staff(connection, principal, staff_id)
        settled = set(connection.execute(sa.select(commission_periods.c.month)).scalars())
        every = sorted(set(kept_dates(settings, "statements")) | settled, reverse=True)
        for month in every[:months]:
            one = _own_month(settings, connection, month, month in settled, staff_id)
            if one is not None:
                found.append(one)
        record_audit(connection, principal, "staff_income_view", [], {"staff_id": staff_id})
    return found


# --- export -----------------------------------------------------------------------------------

STAFF_EXPORT = ("month", "staff_id", "unit_id", "role", "income_kind", "amount", "customers")
UNIT_EXPORT = ("month", "unit_id", "role", "income_kind", "amount", "customers")


def _unit_rows(month: dt.date, lines: list[Line]) -> list[tuple[Any, ...]]:
    sums: dict[tuple[str | None, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        entry = sums[(line.unit_id, line.role, line.income_kind)]
        entry[0] += line.amount_cents
        entry[1] += line.customers
    return [
        (month, unit, role, kind, cents_to_yuan(cents), customers)
        for (unit, role, kind), (cents, customers) in sorted(
            sums.items(), key=lambda kv: (kv[0][0] or "", kv[0][1], kv[0][2])
        )
    ]


def _staff_rows(month: dt.date, lines: list[Line]) -> list[tuple[Any, ...]]:
    sums: dict[tuple[str | None, str | None, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        entry = sums[(line.staff_id, line.unit_id, line.role, line.income_kind)]
        entry[0] += line.amount_cents
        entry[1] = max(entry[1], line.customers)
    ordered = sorted(sums.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", kv[0][1:]))
    return [
        (month, who, unit, role, kind, cents_to_yuan(cents), customers)
        for (who, unit, role, kind), (cents, customers) in ordered
    ]


def export_statement(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    month: dt.date,
    by: By,
    sink: RowSink,
) -> Exported:
    """The month's statement per staff member or per unit (the lines the reader may see; amounts
    in yuan, exact to the cent) into `sink`; needs `export`; audited `statement_export`."""
    if by not in EXPORT_BY:
        raise StatementRejected("by", f"one of {', '.join(EXPORT_BY)}")
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting needs the export permission")
    with db.begin() as connection:
        reach = _reach(connection, principal)
        period, lines = period_of(settings, connection, month)
        shown = visible(lines, reach)
        rows = _staff_rows(month, shown) if by == "staff" else _unit_rows(month, shown)
        sink.columns(STAFF_EXPORT if by == "staff" else UNIT_EXPORT)
        for row in rows:
            sink.row(row)
        detail = {"month": month.isoformat(), "by": by, "rows": len(rows), "status": period.status}
        record_audit(connection, principal, "statement_export", [], detail)
    return Exported(export_name(f"statements_{by}", period.through or month), len(rows))


def known_role(role: str, field_name: str = "role") -> str:
    if role not in STATEMENT_ROLES:
        raise StatementRejected(field_name, f"one of {', '.join(STATEMENT_ROLES)}")
    return role


def known_kind(kind: str, field_name: str = "income_kind") -> str:
    if kind not in INCOME_KINDS:
        raise StatementRejected(field_name, f"one of {', '.join(INCOME_KINDS)}")
    return kind
