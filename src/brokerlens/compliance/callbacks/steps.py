"""The call-back tasks' run step (issue 18 section 1): new accounts' call-backs and the year's
sample, written for publish to load (compliance/callbacks/build.py)."""

from __future__ import annotations

from brokerlens.compliance.callbacks.build import Inputs, build_tasks
from brokerlens.compliance.callbacks.config import load_config
from brokerlens.store import store_if_present
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("callback tasks", reads=("profile", "activation"), writes=("callbacks",))
def callback_tasks(ctx: RunContext) -> StepResult:
    config = load_config(ctx.settings)
    src = Inputs(engine=ctx.engine, warehouse=ctx.warehouse, as_of=ctx.as_of)
    report = build_tasks(src, config, store_if_present(ctx.settings))
    return StepResult(rows=report.rows, note=report.note(), counts=report.counts())
