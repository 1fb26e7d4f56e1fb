"""The points run step (issue 23 section 1): the earning rules in force on T over T's facts."""

from __future__ import annotations

from brokerlens.points.build import PointsInputs, build_points
from brokerlens.points.rules import load_rules
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("points", reads=("customer_day",), writes=("points_awards",))
def points(ctx: RunContext) -> StepResult:
    rules = load_rules(ctx.settings).on(ctx.as_of)
    src = PointsInputs(
        engine=ctx.engine,
        lake=ctx.lake,
        warehouse=ctx.warehouse,
        state=ctx.state,
        as_of=ctx.as_of,
        loaded_days=ctx.loaded_days,
        rules=rules,
    )
    report = build_points(src)
    return StepResult(rows=report.awards, note=report.note(), counts=report.by_rule)
