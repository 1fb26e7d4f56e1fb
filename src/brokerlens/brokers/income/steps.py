"""The statements' run step (issue 19 section 3)."""

from __future__ import annotations

from brokerlens.brokers.income.build import build_statements
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("commission statements", reads=("ledger",), writes=("income", "statements"))
def commission_statements(ctx: RunContext) -> StepResult:
    report = build_statements(ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of)
    return StepResult(rows=report.lines, note=report.note())
