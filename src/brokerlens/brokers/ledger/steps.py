"""The ledger's run step (issue 19 section 2)."""

from __future__ import annotations

from brokerlens.brokers.ledger.build import build_ledger
from brokerlens.brokers.ledger.store_rows import read_overlaid
from brokerlens.store import store_if_present
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("relationship ledger", writes=("ledger", "ledger_problems"))
def relationship_ledger(ctx: RunContext) -> StepResult:
    handovers = read_overlaid(store_if_present(ctx.settings))
    report = build_ledger(ctx.engine, ctx.warehouse, ctx.as_of, handovers)
    return StepResult(rows=report.rows, note=report.note(), counts={"problems": report.problems})
