"""activation's run step: the dormant and empty accounts worth activating as of T."""

from __future__ import annotations

from brokerlens.activation.build import compute_activation
from brokerlens.activation.config import load_config
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("activation", reads=("customer_day", "customer_month"), writes=("activation",))
def activation(ctx: RunContext) -> StepResult:
    config = load_config(ctx.settings)
    rows = compute_activation(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.calendar, config)
    return StepResult(rows=rows)
