"""The run steps of worklist (registered when `brokerlens.marketing.steps` is imported)."""

from __future__ import annotations

from brokerlens.marketing.worklist.build import Inputs, build_worklist
from brokerlens.marketing.worklist.config import load_config
from brokerlens.store import store_if_present
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step(
    "work list",
    reads=("customer_day", "alerts", "churn_scores", "activation", "recommendations"),
    writes=("worklist",),
)
def work_list(ctx: RunContext) -> StepResult:
    config = load_config(ctx.settings)
    src = Inputs(
        settings=ctx.settings,
        engine=ctx.engine,
        lake=ctx.lake,
        warehouse=ctx.warehouse,
        state=ctx.state,
        as_of=ctx.as_of,
        loaded_days=ctx.loaded_days,
    )
    report = build_worklist(src, config, store_if_present(ctx.settings))
    return StepResult(rows=report.rows, note=report.note(), counts=report.kinds)
