"""Settling a month's commission statements and correcting a settled month (issue 19 section 3).

- Settle (`settle_commission`): once the run's kept file of the month reaches its last day (a
  run dated after the month's end computed it whole), its lines are copied into the store
  (`commission_periods`, `commission_lines`): the period is closed; settling again is refused
  (409) and the file is not read for that month any more.
- A correction is an adjusting entry, never an edit: a request (approval kind
  `commission_adjustment`, decided by another holder of `settle_commission` at head office) to
  move an amount from one staff member (or from the NULL-staff line of a unit: income nobody
  held) to another, in one role and income kind. Approving it adds two lines (minus and plus),
  so the month still adds up to its income to the cent. Audited: `statement_settle`, and the
  approval flow's own actions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    register_kind,
    request_approval,
)
from brokerlens.access.audit import record_audit
from brokerlens.access.records import utc_now
from brokerlens.access.statements import (
    Period,
    StatementRejected,
    income_totals,
    known_kind,
    known_role,
    month_end,
    period_of,
)
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings
from brokerlens.errors import Conflict, Forbidden
from brokerlens.store.brokers_statements_schema import commission_lines, commission_periods
from brokerlens.store.schema import staff

KIND = "commission_adjustment"
REASON_MAX = 2000


def _require(principal: Principal) -> None:
    if not principal.can(Permission.SETTLE_COMMISSION):
        raise Forbidden(
            "settling commission statements needs the settle_commission permission",
            hint="head office marketing settles and corrects statements",
        )


def settle(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    month: dt.date,
    *,
    now: dt.datetime | None = None,
) -> Period:
    """Close the month: copy its complete statement into the store. Refused (409) while the
    month is not over in the data, and when it is settled already. Audited `statement_settle`."""
    _require(principal)
    with db.begin() as connection:
        period, lines = period_of(settings, connection, month)
        if period.status == "settled":
            raise Conflict(
                f"{month:%Y-%m} was settled by {period.settled_by} on {period.settled_at:%Y-%m-%d}",
                hint="a correction is an adjusting entry: brokerlens statements adjust",
            )
        if period.status != "complete":
            raise Conflict(
                f"{month:%Y-%m} is counted through {period.through} only, not to its last day "
                f"{month_end(month)}",
                hint="settle after a run dated past the month's end (brokerlens run)",
            )
        commission, fees = income_totals(lines)
        connection.execute(
            commission_periods.insert().values(
                month=month,
                through=period.through,
                settled_by=principal.username,
                settled_at=utc_now(now),
                commission_cents=commission,
                product_fee_cents=fees,
                lines=len(lines),
            )
        )
        if lines:
            connection.execute(
                commission_lines.insert(),
                [
                    {
                        "month": month,
                        "staff_id": x.staff_id,
                        "unit_id": x.unit_id,
                        "role": x.role,
                        "income_kind": x.income_kind,
                        "amount_cents": x.amount_cents,
                        "customers": x.customers,
                        "entry": "settled",
                    }
                    for x in lines
                ],
            )
        detail = {
            "month": month.isoformat(),
            "lines": len(lines),
            "commission_cents": commission,
            "product_fee_cents": fees,
        }
        record_audit(connection, principal, "statement_settle", [], detail)
        done, _ = period_of(settings, connection, month)
    return done


# --- adjusting entries ------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """Move `amount` (yuan, to the cent) in one role and income kind of a settled month from
    `from_staff` (None: the NULL-staff line of `from_unit`) to `to_staff`."""

    month: dt.date
    role: str
    income_kind: str
    to_staff: str
    amount: str | Decimal
    reason: str
    from_staff: str | None = None
    from_unit: str | None = None


def parse_cents(value: str | Decimal, field_name: str = "amount") -> int:
    """A positive amount in yuan with at most two decimals -> integer cents (exact)."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise StatementRejected(field_name, f"{str(value)[:20]!r} is not an amount") from None
    if not amount.is_finite() or amount <= 0:
        raise StatementRejected(field_name, "a positive amount in yuan, e.g. 120.50")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise StatementRejected(field_name, "at most two decimals (cents)")
    return int(cents)


def _staff_unit(connection: sa.Connection, staff_id: str, field_name: str) -> str:
    unit = connection.execute(
        sa.select(staff.c.unit_id).where(staff.c.staff_id == staff_id)
    ).scalar()
    if unit is None:
        raise StatementRejected(field_name, f"no staff member {staff_id[:32]!r}")
    return str(unit)


def _balance(connection: sa.Connection, payload: dict[str, Any]) -> int:
    where = [
        commission_lines.c.month == dt.date.fromisoformat(payload["month"]),
        commission_lines.c.role == payload["role"],
        commission_lines.c.income_kind == payload["income_kind"],
    ]
    if payload["from_staff"] is None:
        where += [commission_lines.c.staff_id.is_(None)]
        where += [commission_lines.c.unit_id == payload["from_unit"]]
    else:
        where += [commission_lines.c.staff_id == payload["from_staff"]]
    total = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(commission_lines.c.amount_cents), 0)).where(*where)
    ).scalar()
    return int(total or 0)


def _check_payload(connection: sa.Connection, payload: dict[str, Any]) -> None:
    month = dt.date.fromisoformat(payload["month"])
    settled = connection.execute(
        sa.select(commission_periods.c.month).where(commission_periods.c.month == month)
    ).first()
    if settled is None:
        raise Conflict(
            f"{month:%Y-%m} is not settled: only a settled month is corrected",
            hint="before settlement the next run recomputes the preview",
        )
    have = _balance(connection, payload)
    if have < payload["amount_cents"]:
        who = payload["from_staff"] or f"nobody ({payload['from_unit']})"
        raise StatementRejected(
            "amount",
            f"{who} holds {Decimal(have) / 100:,.2f} yuan of {payload['role']} "
            f"{payload['income_kind']} in {month:%Y-%m}, less than the amount",
        )


def request_adjustment(
    settings: Settings, db: sa.Engine, principal: Principal, change: Adjustment
) -> Approval:
    """Ask for an adjusting entry (kind `commission_adjustment`; head office decides, not the
    requester). Checked now and again when approved."""
    _require(principal)
    reason = (change.reason or "").strip()
    if not reason:
        raise StatementRejected("reason", "write why the statement is corrected")
    if len(reason) > REASON_MAX:
        raise StatementRejected("reason", f"{len(reason)} characters, at most {REASON_MAX}")
    known_role(change.role)
    known_kind(change.income_kind)
    cents = parse_cents(change.amount)
    if change.from_staff is None and not change.from_unit:
        raise StatementRejected(
            "from_unit", "name the unit whose unassigned income moves, or a staff member"
        )
    if change.from_staff is not None and change.from_staff == change.to_staff:
        raise StatementRejected("to_staff", "the same staff member gives and receives")
    with db.begin() as connection:
        to_unit = _staff_unit(connection, change.to_staff, "to_staff")
        if change.from_staff is not None:
            _staff_unit(connection, change.from_staff, "from_staff")
        payload: dict[str, Any] = {
            "month": change.month.isoformat(),
            "role": change.role,
            "income_kind": change.income_kind,
            "from_staff": change.from_staff,
            "from_unit": change.from_unit if change.from_staff is None else None,
            "to_staff": change.to_staff,
            "to_unit": to_unit,
            "amount_cents": cents,
        }
        _check_payload(connection, payload)
        source = change.from_staff or f"未分配 {change.from_unit}"
        subject = (
            f"{change.month:%Y-%m} {change.role} {change.income_kind}: "
            f"{source} → {change.to_staff} {Decimal(cents) / 100:,.2f}元"
        )
        return request_approval(
            connection,
            principal,
            kind=KIND,
            subject=subject,
            payload=payload,
            unit_id=None,
            reason=reason,
        )


def apply_adjustment(applying: Applying, principal: Principal, request: Approval) -> str:
    """Add the two lines of the adjusting entry in the decision's transaction."""
    connection = applying.connection
    if connection is None:  # pragma: no cover - the kind is transactional
        raise Conflict("an adjusting entry is applied in the decision's transaction")
    payload = dict(request.payload)
    _check_payload(connection, payload)
    month = dt.date.fromisoformat(payload["month"])
    from_unit = payload["from_unit"]
    if payload["from_staff"] is not None:
        from_unit = connection.execute(
            sa.select(commission_lines.c.unit_id).where(
                commission_lines.c.month == month,
                commission_lines.c.staff_id == payload["from_staff"],
            )
        ).scalar()
    base = {
        "month": month,
        "role": payload["role"],
        "income_kind": payload["income_kind"],
        "customers": 0,
        "entry": "adjustment",
        "request_id": request.request_id,
    }
    cents = int(payload["amount_cents"])
    connection.execute(
        commission_lines.insert(),
        [
            {
                **base,
                "staff_id": payload["from_staff"],
                "unit_id": from_unit,
                "amount_cents": -cents,
            },
            {
                **base,
                "staff_id": payload["to_staff"],
                "unit_id": payload["to_unit"],
                "amount_cents": cents,
            },
        ],
    )
    return f"adjusting entry of {Decimal(cents) / 100:,.2f} yuan added to {month:%Y-%m}"


def describe_adjustment(
    settings: Settings, request: Approval, language: str
) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    source = p.get("from_staff") or ("unassigned " if en else "未分配 ") + str(p.get("from_unit"))
    amount = f"{Decimal(int(p.get('amount_cents', 0))) / 100:,.2f}"
    return [
        ("Month" if en else "月份", str(p.get("month", ""))[:7]),
        ("Role" if en else "角色", str(p.get("role"))),
        ("Income" if en else "收入类型", str(p.get("income_kind"))),
        ("From" if en else "转出", str(source)),
        ("To" if en else "转入", str(p.get("to_staff"))),
        ("Amount (yuan)" if en else "金额（元）", amount),
    ]


ADJUSTMENT_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="佣金分成调整",
        en="Commission adjustment",
        apply=apply_adjustment,
        permission=Permission.SETTLE_COMMISSION,
        describe=describe_adjustment,
        transactional=True,
        deciders="head office (settle_commission)",
    )
)
