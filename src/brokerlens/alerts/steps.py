"""alerts' run step: every alert of the catalog over the indicators of T."""

from __future__ import annotations

from brokerlens.alerts.evaluate import evaluate_alerts
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("alerts", reads=("indicators", "profile"), writes=("alerts",))
def alerts(ctx: RunContext) -> StepResult:
    fired = evaluate_alerts(ctx.engine, ctx.settings, ctx.warehouse, ctx.as_of)
    return StepResult(rows=sum(fired.values()), counts=fired)
