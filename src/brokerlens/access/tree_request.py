"""Broker-tree changes made in brokerlens (issue 19 part A): move a member under another
manager, promote them one level up, remove them from the tree. Each is checked against the
no-skip-level rule (`brokers.tree.rules`) on brokerlens's tree as of its effective date, then
becomes an approval request (kind `broker_tree_change`): a change within one branch is decided
by that branch's manager or above, or head office; a cross-branch move by head office only.
Approving it checks it again (the tree may have changed meanwhile) and, in the decision's
transaction, records it in `tree_changes`, overlaid on the feed from its date on. Audited
`org_change_request` and `org_change_apply`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
from brokerlens.access.broker_tree import brokerlens_tree
from brokerlens.access.org import visible_units
from brokerlens.access.org_versions import branch_of, today, units_on
from brokerlens.access.records import utc_now
from brokerlens.auth.principal import Permission, Principal
from brokerlens.brokers.tree.levels import level_of
from brokerlens.brokers.tree.rules import (
    OPERATIONS,
    Node,
    Planned,
    check_move,
    check_promote,
    check_remove,
    refuse,
)
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.brokers_tree_schema import tree_changes

KIND = "broker_tree_change"
REASON_MAX = 2000
EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class TreeChange:
    """A change as asked: `manager_id` for move (required) and promote (optional)."""

    op: str
    staff_id: str
    manager_id: str | None = None
    effective_from: dt.date | None = None
    reason: str | None = None


def _ref(staff_id: str) -> str:
    return f"tree:{staff_id}"


def _plan(tree: dict[str, Node], change: TreeChange) -> Planned:
    if change.op == "move":
        if not change.manager_id:
            raise refuse(
                "manager_id", "请指定新的上级", "name the manager to move the member under"
            )
        return check_move(tree, change.staff_id, change.manager_id)
    if change.op == "promote":
        return check_promote(tree, change.staff_id, change.manager_id or None)
    return check_remove(tree, change.staff_id)


def _new_unit(tree: dict[str, Node], planned: Planned, units: dict[str, Any]) -> str:
    """The unit the member is in after the change: a level-1 member moved joins their new
    manager's unit (the team); a member promoted to branch manager their team's branch; the
    rest keep theirs (a team lead moved keeps their team unit)."""
    node = tree[planned.staff_id]
    manager = tree.get(planned.manager_id or "")
    if planned.op == "move" and level_of(node.position) == 1 and manager is not None:
        return manager.unit_id
    if planned.op == "promote" and planned.position == "branch_manager":
        return branch_of(node.unit_id, units) or node.unit_id
    return node.unit_id


def _payload(
    tree: dict[str, Node], planned: Planned, units: dict[str, Any], day: dt.date
) -> tuple[dict[str, Any], str | None]:
    """The request's payload and its unit (None: across branches, head office decides)."""
    node = tree[planned.staff_id]
    manager = tree.get(planned.manager_id or "")
    unit = _new_unit(tree, planned, units)
    branch = branch_of(node.unit_id, units)
    target = branch_of(manager.unit_id, units) if manager is not None else branch
    payload = {
        "op": planned.op,
        "staff_id": node.staff_id,
        "staff_name": node.name,
        "effective_from": day.isoformat(),
        "manager_id": planned.manager_id,
        "manager_name": manager.name if manager is not None else None,
        "position": planned.position,
        "unit_id": unit,
        "before_manager_id": node.manager_id,
        "before_unit_id": node.unit_id,
        "before_position": node.position,
        "moved": list(planned.moved),
        "branch_id": branch,
        "target_branch_id": target,
    }
    return payload, branch if branch is not None and branch == target else None


def _subject(payload: dict[str, Any]) -> str:
    who = f"{payload['staff_name']} ({payload['staff_id']})"
    if payload["op"] == "move":
        return f"经纪人树调整：{who} 调至 {payload['manager_name']} 名下"
    if payload["op"] == "promote":
        return f"经纪人树调整：{who} 晋升为 {payload['position']}"
    return f"经纪人树调整：{who} 移出经纪人树"


def _day(connection: sa.Connection, wanted: dt.date | None) -> dt.date:
    day = wanted or today(connection)
    if day < EARLIEST:
        raise refuse(
            "effective_from",
            f"{day}：太早（{EARLIEST} 起）",
            f"{day}: too early (from {EARLIEST} on)",
        )
    return day


def request_tree_change(
    db: sa.Engine, principal: Principal, change: TreeChange, *, now: dt.datetime | None = None
) -> Approval:
    """Check a change against the rule and ask for it (a pending approval request). The member
    must be in the requester's units; refused with the reason when it breaks the rule."""
    if not principal.can(Permission.MANAGE_ORG):
        raise Forbidden(
            "changing the broker tree needs the manage_org permission",
            hint="a branch or region manager, or head office, asks for it",
        )
    if change.op not in OPERATIONS:
        raise refuse(
            "op",
            f"{change.op[:20]!r} 不是可用的操作（调整上级、晋升、移出）",
            f"{change.op[:20]!r}: one of {', '.join(OPERATIONS)}",
        )
    reason = (change.reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise refuse(
            "reason",
            f"{len(reason)} 个字符，最多 {REASON_MAX} 个",
            f"{len(reason)} characters, at most {REASON_MAX}",
        )
    with db.begin() as connection:
        day = _day(connection, change.effective_from)
        units = units_on(connection, day)
        tree = brokerlens_tree(connection, day)
        mine, _ = visible_units(
            connection, principal, {u: r["parent_id"] for u, r in units.items()}
        )
        found = tree.get(change.staff_id)
        if found is None or found.unit_id not in mine:
            raise NotFound(
                f"no staff member {change.staff_id[:32]!r} in your units on {day}",
                hint="see the broker tree (/org/tree) for who is where",
            )
        planned = _plan(tree, change)
        payload, unit = _payload(tree, planned, units, day)
        made = request_approval(
            connection,
            principal,
            kind=KIND,
            subject=_subject(payload),
            payload=payload,
            subject_ref=_ref(change.staff_id),
            unit_id=unit,
            reason=reason,
            now=now,
        )
        record_audit(
            connection,
            principal,
            "org_change_request",
            [],
            {"request_id": made.request_id, "tree_op": change.op, "staff_id": change.staff_id},
        )
    return made


def apply_tree_change(applying: Applying, principal: Principal, request: Approval) -> str:
    """Check the change again on the tree as it is now and record it (in the decision's
    transaction)."""
    connection = applying.connection
    assert connection is not None  # a transactional kind
    p = request.payload
    day = dt.date.fromisoformat(str(p["effective_from"]))
    tree = brokerlens_tree(connection, day)
    change = TreeChange(p["op"], p["staff_id"], p.get("manager_id"), day)
    planned = _plan(tree, change)
    payload, _ = _payload(tree, planned, units_on(connection, day), day)
    inserted = connection.execute(
        tree_changes.insert().values(
            request_id=request.request_id,
            op=planned.op,
            staff_id=planned.staff_id,
            effective_from=day,
            manager_id=planned.manager_id,
            unit_id=None if planned.op == "remove" else payload["unit_id"],
            position=None if planned.op == "remove" else planned.position,
            before_manager_id=payload["before_manager_id"],
            before_unit_id=payload["before_unit_id"],
            before_position=payload["before_position"],
            moved=list(planned.moved),
            requested_by=request.requested_by,
            applied_by=principal.username,
            applied_at=utc_now(),
            reason=request.reason,
        )
    ).inserted_primary_key
    assert inserted is not None
    record_audit(
        connection,
        principal,
        "org_change_apply",
        [],
        {
            "request_id": request.request_id,
            "tree_op": planned.op,
            "staff_id": planned.staff_id,
            "change_id": int(inserted[0]),
        },
    )
    return f"{_subject(payload)}, from {day} (change {int(inserted[0])})"


_WORDS = {
    "op": ("操作", "Change"),
    "staff": ("人员", "Staff member"),
    "manager": ("新上级", "New manager"),
    "position": ("岗位", "Position"),
    "before": ("原上级", "Manager before"),
    "moved": ("随同调整人数", "Members moved with them"),
    "effective_from": ("生效日期", "Effective from"),
    "scope": ("审批范围", "Decided by"),
}
_OPS = {
    "move": ("调整上级", "Move"),
    "promote": ("晋升", "Promote"),
    "remove": ("移出经纪人树", "Remove"),
}


def describe_tree_change(
    settings: Settings, request: Approval, language: str
) -> list[tuple[str, str]]:
    p = request.payload
    i = 1 if language == "en" else 0

    def label(key: str) -> str:
        return _WORDS[key][i]

    op = _OPS.get(str(p.get("op")), (str(p.get("op")),) * 2)[i]
    lines = [
        (label("op"), op),
        (label("staff"), f"{p.get('staff_name')} ({p.get('staff_id')})"),
        (label("before"), str(p.get("before_manager_id") or "—")),
    ]
    if p.get("op") != "remove":
        manager = p.get("manager_id")
        lines.append((label("manager"), f"{p.get('manager_name')} ({manager})" if manager else "—"))
        lines.append((label("position"), f"{p.get('before_position')} → {p.get('position')}"))
    if p.get("op") == "move":
        lines.append((label("moved"), str(len(p.get("moved") or []))))
    lines.append((label("effective_from"), str(p.get("effective_from"))))
    cross = request.unit_id is None
    scope = (
        ("总部（跨营业部）", "Head office (across branches)")
        if cross
        else (
            f"营业部 {request.unit_id} 经理或以上",
            f"the manager of branch {request.unit_id} or above",
        )
    )
    lines.append((label("scope"), scope[i]))
    return lines


TREE_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="经纪人树调整",
        en="Broker tree change",
        apply=apply_tree_change,
        permission=Permission.MANAGE_ORG,
        describe=describe_tree_change,
        transactional=True,
        deciders="the branch's manager or above, or head office (manage_org)",
    )
)
