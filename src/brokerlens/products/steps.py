"""products' run step: every product's evaluation as of T (returns, risk, ranks, stars)."""

from __future__ import annotations

from brokerlens.products.config import load_config
from brokerlens.products.evaluate import compute_product_metrics
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("product metrics", reads=("products", "product_nav"), writes=("product_metrics",))
def product_metrics(ctx: RunContext) -> StepResult:
    config = load_config(ctx.settings)
    rows = compute_product_metrics(ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of, config)
    return StepResult(rows=rows, note=f"{rows} products")
