"""The complaints' run step (issue 18 section 2): the feed's newest state of each complaint."""

from __future__ import annotations

from brokerlens.compliance.complaints.state import write_state
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("complaints state", writes=("complaints_state",))
def complaints_state(ctx: RunContext) -> StepResult:
    rows = write_state(ctx.engine, ctx.warehouse, ctx.as_of)
    return StepResult(rows=rows, note="the feed's newest state of each complaint")
