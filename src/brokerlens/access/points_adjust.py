"""积分调整: a manual correction of a customer's points, always with a reason and an approval
(issue 23 section 1).

A branch or region manager or head office (`adjust_points`) asks, for a customer in their scope,
to add or take off a number of points with a reason (approval kind `points_adjustment`, on the
customer's branch). Another user with `manage_points` (head office) decides; the requester never
decides their own. Approving adds an `adjustment` entry to the ledger on the day it is approved:
a positive one is a lot that lapses after `expiry_months` (24 by default) like an award, a
negative one draws from the oldest lots and is refused (then and when asked) beyond the balance.
Audited: `approval_request` (with the customer), the approval flow's own actions, and
`points_adjust` when the entry is made.
"""

from __future__ import annotations

import datetime as dt
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
from brokerlens.access.customers import scoped_row
from brokerlens.access.points import balance_of, ledger_of, today_in_beijing
from brokerlens.access.points_orders import PointsRejected
from brokerlens.access.records import utc_now
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Permission, Principal, customer_reader
from brokerlens.config import Settings
from brokerlens.errors import Conflict, Forbidden
from brokerlens.points import expires_on
from brokerlens.store.points_schema import points_entries

KIND = "points_adjustment"
MAX_POINTS = 1_000_000
REASON_MAX = 500
EXPIRY_MONTHS = 24


def _check_balance(
    settings: Settings, connection: sa.Connection, customer_id: str, points: int, day: dt.date
) -> None:
    if points >= 0:
        return
    have = balance_of(ledger_of(settings, connection, customer_id), day).balance
    if have < -points:
        raise PointsRejected(
            "points",
            f"可用积分{have:,}分，最多扣减{have:,}分 / {customer_id} has {have:,} points: at "
            f"most {have:,} can be taken off",
        )


def request_adjustment(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    points: int,
    reason: str,
    *,
    expiry_months: int = EXPIRY_MONTHS,
    today: dt.date | None = None,
) -> Approval:
    """Ask to add (points > 0) or take off (< 0) points for a customer in scope, with a reason
    (adjust_points). Decided by another holder of manage_points."""
    customer_reader(principal)
    if not principal.can(Permission.ADJUST_POINTS):
        raise Forbidden(
            "adjusting points needs the adjust_points permission",
            hint="branch and region managers and head office ask; head office decides",
        )
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise PointsRejected("points", "须为非零整数，负数为扣减 / a whole number, not 0")
    if abs(points) > MAX_POINTS:
        raise PointsRejected("points", f"最多{MAX_POINTS:,}分 / at most {MAX_POINTS:,} either way")
    why = (reason or "").strip()
    if not why:
        raise PointsRejected("reason", "请填写调整原因 / write why the points are adjusted")
    if len(why) > REASON_MAX:
        raise PointsRejected("reason", f"最多{REASON_MAX}字 / at most {REASON_MAX} characters")
    if isinstance(expiry_months, bool) or not 1 <= expiry_months <= 120:
        raise PointsRejected("expiry_months", "须在1到120之间 / between 1 and 120")
    day = today or today_in_beijing()
    with db.begin() as connection:
        row = scoped_row(connection, principal, served_snapshot_on(connection), customer_id)
        _check_balance(settings, connection, customer_id, points, day)
        payload: dict[str, Any] = {
            "customer_id": customer_id,
            "branch_id": row.get("branch_id"),
            "points": points,
            "expiry_months": expiry_months,
        }
        subject = f"{customer_id} {'+' if points > 0 else ''}{points:,}分"
        return request_approval(
            connection,
            principal,
            kind=KIND,
            subject=subject,
            payload=payload,
            unit_id=row.get("branch_id"),
            reason=why,
        )


def apply_adjustment(applying: Applying, principal: Principal, request: Approval) -> str:
    """Add the adjustment entry in the decision's transaction (a negative one checked against
    the balance again)."""
    connection = applying.connection
    if connection is None:  # pragma: no cover - the kind is transactional
        raise Conflict("an adjustment is applied in the decision's transaction")
    payload = dict(request.payload)
    customer_id, points = str(payload["customer_id"]), int(payload["points"])
    at = utc_now()
    day = today_in_beijing(at)
    _check_balance(applying.settings, connection, customer_id, points, day)
    lapses = expires_on(day, int(payload.get("expiry_months") or EXPIRY_MONTHS))
    connection.execute(
        points_entries.insert().values(
            customer_id=customer_id,
            branch_id=payload.get("branch_id"),
            entry_date=day,
            kind="adjustment",
            points=points,
            expires_on=lapses if points > 0 else None,
            request_id=request.request_id,
            reason=(request.reason or "")[:REASON_MAX],
            username=principal.username,
            at=at,
        )
    )
    detail = {
        "request_id": request.request_id,
        "points": points,
        "requested_by": request.requested_by,
    }
    record_audit(connection, principal, "points_adjust", [customer_id], detail)
    return f"{points:+,} points for {customer_id} on {day}"


def describe_adjustment(
    settings: Settings, request: Approval, language: str
) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    points = int(p.get("points", 0))
    return [
        ("Customer" if en else "客户", str(p.get("customer_id"))),
        ("Points" if en else "积分", f"{points:+,}"),
        ("Expires after (months)" if en else "有效期（月）", str(p.get("expiry_months", ""))),
    ]


ADJUSTMENT_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="积分调整",
        en="Points adjustment",
        apply=apply_adjustment,
        permission=Permission.MANAGE_POINTS,
        describe=describe_adjustment,
        transactional=True,
        deciders="head office (manage_points)",
    )
)
