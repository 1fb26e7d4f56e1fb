"""How many customers an alert fires for now, and would with other thresholds, before saving.

Evaluated with the same compiled trees as `brokerlens run`, on the warehouse's
customer_indicators of one as-of date (the latest computed by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp

from brokerlens.alerts.compile import alert_select
from brokerlens.alerts.errors import AlertError
from brokerlens.alerts.thresholds import AlertSet, check_params, load_alerts, with_params
from brokerlens.classify.source import VIEW, open_indicators, resolve_as_of
from brokerlens.config import Settings


@dataclass(frozen=True)
class ThresholdPreview:
    as_of: dt.date
    current: int  # customers firing now (in the branch, or in all branches for None)
    proposed: int  # customers that would fire with the proposed values
    current_by_branch: dict[str, int] = field(default_factory=dict)
    proposed_by_branch: dict[str, int] = field(default_factory=dict)


def preview_thresholds(
    settings: Settings,
    alert_id: str,
    branch_id: str | None,
    params: Mapping[str, Any],
    as_of: dt.date | None = None,
) -> ThresholdPreview:
    """Counts now and with `params` (the defaults' when `branch_id` is None, else that
    branch's); the per-branch maps cover that branch only, or every branch for None."""
    alert_set = load_alerts(settings)
    checked = check_params(alert_set.get(alert_id), params)
    proposed_set = with_params(alert_set, alert_id, branch_id, checked)
    day = resolve_as_of(settings, as_of)
    connection = open_indicators(settings, day)
    try:
        now = _by_branch(connection, alert_set, alert_id, branch_id)
        then = _by_branch(connection, proposed_set, alert_id, branch_id)
    except duckdb.BinderException as exc:  # indicators computed before an indicator existed
        raise AlertError(
            f"the indicators as of {day} lack what alert {alert_id!r} reads: "
            f"{str(exc).splitlines()[0]}",
            hint=f"run `brokerlens run --as-of {day}` to compute them again",
        ) from None
    finally:
        connection.close()
    return ThresholdPreview(day, sum(now.values()), sum(then.values()), now, then)


def _by_branch(
    connection: Any, alert_set: AlertSet, alert_id: str, branch_id: str | None
) -> dict[str, int]:
    select = alert_select(alert_set, alert_set.get(alert_id), VIEW)
    if branch_id is not None:
        branch = exp.column("branch_id", quoted=True)
        select = select.where(exp.EQ(this=branch, expression=exp.Literal.string(branch_id)))
    fired = select.subquery("fired")
    counted = (
        exp.select(exp.column("branch_id", "fired"), exp.Count(this=exp.Star()))
        .from_(fired)
        .group_by(exp.column("branch_id", "fired"))
    )
    rows = connection.execute(counted.sql(dialect="duckdb")).fetchall()
    return {str(branch): int(n) for branch, n in rows}
