"""The broker risk run step (issue 19 part E)."""

from __future__ import annotations

from brokerlens.brokers.risk.build import RiskInputs, build_risk
from brokerlens.brokers.risk.config import load_config
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("broker risk", reads=("ledger",), writes=("broker_risk",))
def broker_risk(ctx: RunContext) -> StepResult:
    src = RiskInputs(ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of, ctx.loaded_days)
    report = build_risk(src, load_config(ctx.settings))
    return StepResult(rows=report.rows, note=report.note(), counts=report.flags)
