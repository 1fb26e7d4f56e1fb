"""products' run steps: every product's evaluation as of T (returns, risk, ranks, stars); the
recommendation model (refit weekly); every customer's suitable recommendations as of T."""

from __future__ import annotations

from brokerlens.errors import LakeError
from brokerlens.products.config import load_config
from brokerlens.products.evaluate import compute_product_metrics
from brokerlens.products.recommend.config import load_config as load_rec_config
from brokerlens.products.recommend.model import RecModels
from brokerlens.products.recommend.service import ensure_model, recommend, usable_model
from brokerlens.warehouse.steps import RunContext, StepResult, run_step


@run_step("product metrics", reads=("products", "product_nav"), writes=("product_metrics",))
def product_metrics(ctx: RunContext) -> StepResult:
    config = load_config(ctx.settings)
    rows = compute_product_metrics(ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of, config)
    return StepResult(rows=rows, note=f"{rows} products")


@run_step(
    "recommendation model",
    reads=("product_trades", "product_holdings"),
    writes=("recommend_model",),
    local="Python: the blend is a logistic regression fitted in process",
)
def recommendation_model(ctx: RunContext) -> StepResult:
    config = load_rec_config(ctx.settings).model
    try:
        model, fitted = ensure_model(ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of, config)
    except LakeError as e:  # too little history yet: the run goes on without recommendations
        return StepResult(note=f"no model: {e.message}")
    state = "fitted" if fitted else "fresh"
    return StepResult(note=f"v{model.version} {state} (read the lake through {model.through})")


@run_step(
    "recommendations",
    reads=("suitability_facts", "recommend_model"),
    writes=("recommendations",),
    local="Python: customers are scored and gated in chunks in process",
)
def recommendations(ctx: RunContext) -> StepResult:
    config = load_rec_config(ctx.settings).model
    model = usable_model(RecModels(ctx.warehouse), ctx.as_of)
    if model is None:
        return StepResult(note="skipped: no recommendation model fitted through T or earlier")
    report = recommend(ctx.settings, ctx.engine, ctx.lake, ctx.warehouse, ctx.as_of, model, config)
    return StepResult(rows=report.shown, note=report.note(), counts=report.removed_from_top)
