"""The warehouse models' run steps: running aggregates, FIFO lots, then the indicators of T."""

from __future__ import annotations

from brokerlens.indicators import load_indicators
from brokerlens.models.asof import compute_indicators
from brokerlens.models.days import build_days, build_months
from brokerlens.models.lots import advance_lots
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("customer_day", writes=("customer_day",))
def customer_day(ctx: RunContext) -> StepResult:
    built = build_days(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.as_of)
    ctx.save_state()
    return StepResult(rows=len(built), note=f"built {len(built)} day(s)")


@run_step("lots", writes=("lots",))
def lots(ctx: RunContext) -> StepResult:
    advanced = advance_lots(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.as_of)
    ctx.save_state()
    for path in advanced.obsolete:
        path.unlink(missing_ok=True)
    return StepResult(rows=len(advanced.days), note=f"matched lots for {len(advanced.days)} day(s)")


@run_step("customer_month", reads=("customer_day",), writes=("customer_month",))
def customer_month(ctx: RunContext) -> StepResult:
    months = ctx.calendar.complete_months()
    built = build_months(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, months)
    ctx.save_state()
    return StepResult(rows=len(built), note=f"built {len(built)} month(s)")


@run_step(
    "indicators",
    reads=(
        "customer_day",
        "customer_month",
        "lots",
        "lowest_answer_triggers",
        "lowest_age_limits",
        "riskpref_levels",
    ),
    writes=("indicators",),
)
def indicators(ctx: RunContext) -> StepResult:
    indicators = load_indicators(ctx.settings)
    customers = compute_indicators(
        ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.calendar, indicators
    )
    added = sum(1 for i in indicators.values() if i.derived)
    if added:
        return StepResult(
            rows=customers, note=f"{customers:,} customers, {added} derived indicator(s)"
        )
    return StepResult(rows=customers, note=f"{customers:,} customers")
