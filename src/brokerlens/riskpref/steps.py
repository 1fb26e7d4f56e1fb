"""riskpref's run step: the behavioural levels of the newest quarterly model ended by T."""

from __future__ import annotations

from brokerlens.riskpref.levels import levels_note, register_levels
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("riskpref levels", writes=("riskpref_levels",))
def riskpref_levels(ctx: RunContext) -> StepResult:
    register_levels(ctx.engine, ctx.warehouse, ctx.as_of)
    return StepResult(note=levels_note(ctx.warehouse, ctx.loaded_days[0], ctx.as_of))
