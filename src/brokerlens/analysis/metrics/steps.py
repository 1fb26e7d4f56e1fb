"""The metrics layer's run step (issue 22 part 1)."""

from __future__ import annotations

from brokerlens.analysis.metrics.build import MetricInputs, build_metrics, build_trend
from brokerlens.analysis.metrics.catalog import load_metrics
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step(
    "business metrics",
    reads=("customer_day", "customer_month", "ledger", "profile"),
    writes=("metrics", "metric_trend"),
)
def business_metrics(ctx: RunContext) -> StepResult:
    catalog = load_metrics(ctx.settings)
    src = MetricInputs(ctx.engine, ctx.lake, ctx.warehouse, ctx.state, ctx.as_of, ctx.loaded_days)
    rows = build_metrics(src, catalog)
    months = build_trend(src)
    return StepResult(
        rows=rows, note=f"{len(catalog)} metrics, {rows:,} rows; trend of {len(months)} month(s)"
    )
