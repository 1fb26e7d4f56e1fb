"""The channels-and-timing run step (issue 22 section 3)."""

from __future__ import annotations

from brokerlens.analysis.channels.build import ChannelInputs, build_channels
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step(
    "channels and timing",
    reads=("customer_day", "customer_month"),
    writes=("channel_funnel", "timing"),
)
def channels_and_timing(ctx: RunContext) -> StepResult:
    src = ChannelInputs(
        engine=ctx.engine,
        lake=ctx.lake,
        warehouse=ctx.warehouse,
        state=ctx.state,
        as_of=ctx.as_of,
        loaded_days=ctx.loaded_days,
        complete_months=ctx.calendar.complete_months(),
    )
    counts = build_channels(src)
    return StepResult(
        rows=counts.funnel_rows + counts.timing_rows,
        note=(
            f"{counts.cohort_customers:,} customers in the cohorts, "
            f"{counts.timing_rows:,} branch-days, {counts.parts_built} part(s) built"
        ),
    )
