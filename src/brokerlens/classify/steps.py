"""classify's run step: customer_profile as of T, the indicators plus the catalog's columns."""

from __future__ import annotations

from brokerlens.classify.profile import compute_profile
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("profile", reads=("indicators",), writes=("profile",))
def profile(ctx: RunContext) -> StepResult:
    rows, version = compute_profile(ctx.engine, ctx.settings, ctx.warehouse, ctx.as_of)
    return StepResult(rows=rows, note=f"catalog {version}")
