"""The alert definitions as the threshold page explains them: each alert's meaning and its
thresholds' names, units and meanings (`param_info`), the same for built-in and added alerts.
No customer data; the thresholds in force and who may edit them are `access.alerts`'s.

A threshold change is a request (issue 18 section 3, kind `alert_thresholds`): whoever may edit
those thresholds asks, head office (another user with edit_alert_thresholds) approves, and the
approval saves them (`access.alerts.save_thresholds` in the approver's name, a new version that
the next `brokerlens run` uses). Nothing changes before that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from brokerlens.access.alerts import save_thresholds, threshold_target
from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    register_kind,
    request_approval,
)
from brokerlens.alerts.model import AlertDefinition
from brokerlens.alerts.thresholds import check_params, load_alerts
from brokerlens.auth.principal import Permission, Principal
from brokerlens.config import Settings

KIND = "alert_thresholds"


def alert_definitions(settings: Settings) -> dict[str, AlertDefinition]:
    """alert id -> its definition (with the defaults in force as `params`)."""
    return {d.id: d for d in load_alerts(settings).definitions}


def request_thresholds(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    alert_id: str,
    branch_id: str | None,
    params: Mapping[str, Any],
    reason: str | None = None,
) -> Approval:
    """Ask for new thresholds (the defaults, or a branch's override), checked as a save would
    be; head office decides. Audited `approval_request`."""
    branch = threshold_target(db, principal, branch_id)
    definition = load_alerts(settings).get(alert_id)
    checked = check_params(definition, params)
    where = branch or "defaults"
    with db.begin() as connection:
        return request_approval(
            connection,
            principal,
            kind=KIND,
            subject=f"告警阈值 {definition.zh} · {branch or '默认'}",
            subject_ref=f"{alert_id}@{where}",
            payload={"alert_id": alert_id, "branch_id": branch, "params": checked},
            reason=reason,
        )


def apply_thresholds(applying: Applying, decider: Principal, request: Approval) -> str:
    """Save the requested thresholds as the approver (checked again: the definitions may have
    changed since)."""
    p = request.payload
    saved = save_thresholds(
        applying.db, applying.settings, decider, p["alert_id"], p.get("branch_id"), p["params"]
    )
    return f"thresholds saved as version {saved.version}; the next run applies them"


def describe_thresholds(
    settings: Settings, request: Approval, language: str
) -> list[tuple[str, str]]:
    """The alert, where, and each threshold from the value in force to the one asked."""
    p = request.payload
    en = language == "en"
    alert_set = load_alerts(settings)
    definition = next((d for d in alert_set.definitions if d.id == p.get("alert_id")), None)
    branch = p.get("branch_id")
    title = (definition.en if en else definition.zh) if definition else str(p.get("alert_id"))
    lines = [
        ("Alert" if en else "告警", title),
        (
            "Applies to" if en else "适用范围",
            branch or ("every branch" if en else "默认（全部营业部）"),
        ),
    ]
    for name, value in sorted((p.get("params") or {}).items()):
        now: Any = None
        label = name
        if definition is not None:
            info = definition.param_info.get(name)
            label = (info.en if en else info.zh) if info else name
            now = definition.params.get(name)
            if branch:
                now = alert_set.overrides.get(definition.id, {}).get(branch, {}).get(name, now)
        shown = f"{now:g} → {value:g}" if isinstance(now, int | float) else f"{value:g}"
        lines.append((label, shown))
    return lines


THRESHOLD_KIND = register_kind(
    ApprovalKind(
        name=KIND,
        zh="告警阈值调整",
        en="Alert thresholds",
        apply=apply_thresholds,
        permission=Permission.EDIT_ALERT_THRESHOLDS,
        describe=describe_thresholds,
        deciders="head office (edit_alert_thresholds)",
    )
)
