"""The KPI run step (issue 19 section 4)."""

from __future__ import annotations

from brokerlens.brokers.kpi.build import KpiInputs, build_kpi
from brokerlens.brokers.kpi.schemes import active_version, load_active
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("kpi scores", reads=("ledger", "customer_day"), writes=("kpi_scores",))
def kpi_scores(ctx: RunContext) -> StepResult:
    src = KpiInputs(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.as_of)
    report = build_kpi(src, load_active(ctx.settings), active_version(ctx.settings))
    return StepResult(rows=report.rows, note=report.note(), counts={"months": len(report.months)})
