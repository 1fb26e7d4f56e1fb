"""The ledger's run step (issue 19 section 2)."""

from __future__ import annotations

from brokerlens.brokers.ledger.build import build_ledger
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("relationship ledger", writes=("ledger", "ledger_problems"))
def relationship_ledger(ctx: RunContext) -> StepResult:
    report = build_ledger(ctx.engine, ctx.warehouse, ctx.as_of)
    return StepResult(rows=report.rows, note=report.note(), counts={"problems": report.problems})
